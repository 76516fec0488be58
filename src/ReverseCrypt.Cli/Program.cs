using System.CommandLine;
using System.CommandLine.Parsing;
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
        if (UnknownOption(parse) is { } unknown)
        {
            Console.Error.WriteLine($"reversecrypt: unknown option '{unknown}'");
            Console.Error.WriteLine($"Try 'reversecrypt {CommandPath(parse.CommandResult)}--help'.");
            return ExitCodes.Usage;
        }
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"reversecrypt: {error.Message}");
            Console.Error.WriteLine("Try 'reversecrypt --help'.");
            return ExitCodes.Usage;
        }
        return parse.Invoke();
    }

    /// <summary>
    /// The first word before "--" that looks like an option ("-x", "--name", "--name=value") but is none of the
    /// command's. System.CommandLine takes such a word as a path (an argument of the command) or reports it only as
    /// an extra argument, so `backup --frobnicate SRC DEST` would complain about a directory instead of the option.
    /// A path that really starts with '-' goes after "--".
    /// </summary>
    public static string? UnknownOption(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var afterDoubleDash = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        bool doubleDash = false;
        foreach (var token in parse.Tokens)
        {
            if (doubleDash) afterDoubleDash.Add(token);
            else if (token.Type == TokenType.DoubleDash) doubleDash = true;
        }
        foreach (var argument in parse.CommandResult.Children.OfType<ArgumentResult>())
        {
            foreach (var token in argument.Tokens)
            {
                if (LooksLikeOption(token.Value) && !afterDoubleDash.Contains(token)) return OptionName(token.Value);
            }
        }
        var beforeDoubleDash = parse.Tokens.Where(t => !afterDoubleDash.Contains(t)).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        var unmatched = parse.UnmatchedTokens.FirstOrDefault(t => LooksLikeOption(t) && beforeDoubleDash.Contains(t));
        return unmatched is null ? null : OptionName(unmatched);

        static bool LooksLikeOption(string word) => word.Length > 1 && word[0] == '-';
        static string OptionName(string word) => word.StartsWith("--", StringComparison.Ordinal) && word.IndexOf('=', StringComparison.Ordinal) is > 2 and var eq
            ? word[..eq]
            : word;
    }

    private static string CommandPath(CommandResult? result)
    {
        var names = new List<string>();
        for (var c = result; c is not null && c.Command is not RootCommand; c = c.Parent as CommandResult) names.Add(c.Command.Name);
        names.Reverse();
        return names.Count == 0 ? "" : string.Join(' ', names) + " ";
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
            SnapshotsCommand.Create(),
            ServeCommand.Create(),
            PruneCommand.Create(),
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
