using System.CommandLine;

namespace ReverseCrypt.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("ReverseCrypt: encrypted, rsync-friendly backups in the gocryptfs reverse-mode format.");
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"reversecrypt: {error.Message}");
            Console.Error.WriteLine("Try 'reversecrypt --help'.");
            return ExitCodes.Usage;
        }
        return parse.Invoke();
    }
}
