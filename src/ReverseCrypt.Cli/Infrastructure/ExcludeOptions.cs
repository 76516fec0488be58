using System.CommandLine;
using ReverseCrypt.Format;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>The exclude options of `mount --reverse` and `backup` (gitignore semantics, docs/format.md 12.1 and 18).</summary>
public sealed class ExcludeOptions
{
    public Option<string[]> Exclude { get; } = new("--exclude", "-e")
    {
        Description = "Leave out PATH (relative to the plaintext root) and everything below it. Repeatable.",
        HelpName = "PATH",
    };

    public Option<string[]> ExcludeWildcard { get; } = new("--exclude-wildcard", "--ew")
    {
        Description = "Leave out paths matching a gitignore-style PATTERN. Repeatable.",
        HelpName = "PATTERN",
    };

    public Option<FileInfo[]> ExcludeFrom { get; } = new("--exclude-from")
    {
        Description = "Read gitignore-style patterns from FILE, one per line. Repeatable.",
        HelpName = "FILE",
    };

    public Option<bool> OneFileSystem { get; } = new("--one-file-system")
    {
        Description = "Do not descend into other filesystems mounted below the plaintext root (they show as empty directories).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Exclude);
        command.Options.Add(ExcludeWildcard);
        command.Options.Add(ExcludeFrom);
        command.Options.Add(OneFileSystem);
    }

    public ExcludeMatcher? BindMatcher(ParseResult result)
    {
        var excludes = result.GetValue(Exclude) ?? [];
        var wildcards = result.GetValue(ExcludeWildcard) ?? [];
        var files = result.GetValue(ExcludeFrom) ?? [];
        if (excludes.Length == 0 && wildcards.Length == 0 && files.Length == 0) return null;
        foreach (var file in files)
        {
            // FileInfo.Exists is false for a directory too: say which it is.
            if (Directory.Exists(file.FullName)) throw new CliException(ExitCodes.Usage, $"--exclude-from {file.FullName}: is a directory");
            if (!file.Exists) throw new CliException(ExitCodes.Usage, $"--exclude-from {file.FullName}: no such file");
        }
        try
        {
            return ExcludeMatcher.FromOptions(excludes, wildcards, files.Select(f => f.FullName));
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.Usage, $"cannot read an --exclude-from file: {e.Message}", e);
        }
    }
}
