using System.CommandLine;
using System.Reflection;
using ReverseCrypt.Cli.Commands;
using ReverseCrypt.Cli.Infrastructure;

namespace ReverseCrypt.Cli;

public static class Program
{
    /// <summary>The product version (from the assembly's informational version, without the build metadata).</summary>
    public static string Version { get; } =
        (typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];

    /// <summary>The raw command line (for the background copy of `mount`).</summary>
    public static IReadOnlyList<string> Arguments { get; private set; } = [];

    public static int Main(string[] args)
    {
        Arguments = args;
        var root = BuildRootCommand();
        try
        {
            args = InstanceArguments.Expand(root, args);
        }
        catch (CliException e)
        {
            return CommandRunner.Fail(e.ExitCode, e.Message);
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"reversecrypt: {error.Message}");
            Console.Error.WriteLine("Try 'reversecrypt --help'.");
            return ExitCodes.Usage;
        }
        return parse.Invoke();
    }

    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand(
            "ReverseCrypt: encrypted, rsync-friendly backups in the gocryptfs reverse-mode format (AES-SIV).\n\n" +
            "Exit codes:\n" + string.Join('\n', ExitCodes.All.Select(c => $"  {c.Code,3}  {c.Meaning}")))
        {
            InitCommand.Create(),
            InfoCommand.Create(),
            PasswdCommand.Create(),
            MasterkeyCommand.Create(),
            SpeedCommand.Create(),
            MountCommand.Create(),
            UnmountCommand.Create(),
            BackupCommand.Create(),
            VerifyCommand.Create(),
            RestoreCommand.Create(),
            FsckCommand.Create(),
            PathCommand.Create(),
            DemoCommand.Create(),
        };
        return root;
    }
}
