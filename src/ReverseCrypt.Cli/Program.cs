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

    /// <summary>The git commit the program was built from (short hash), or "unknown" (MSBuild property SourceCommit).</summary>
    public static string Commit { get; } = CommitOf(typeof(Program).Assembly);

    /// <summary>What --version prints: "0.2.0 (commit abc1234)".</summary>
    public static string VersionLine => $"{Version} (commit {Commit})";

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
        foreach (var option in root.Options)
        {
            if (option is VersionOption version) version.Action = new PrintVersion();
        }
        return root;
    }

    internal static string CommitOf(Assembly assembly)
    {
        var value = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "SourceCommit")?.Value;
        return value is { Length: >= 4 and <= 40 } && value.All(char.IsAsciiHexDigit) ? value.ToLowerInvariant() : "unknown";
    }

    /// <summary>--version: the version and the commit, on standard output.</summary>
    private sealed class PrintVersion : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Console.Out.WriteLine(VersionLine);
            return ExitCodes.Ok;
        }
    }
}
