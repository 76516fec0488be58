using System.CommandLine;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>
/// Expands `backup --instance NAME ...` and `verify --instance NAME ...` into the command line the instance file
/// describes, before parsing. The file's words come first, the command line's after them:
/// <list type="bullet">
/// <item>PLAINDIR and DEST on the command line replace SOURCE and DEST (both);</item>
/// <item>an option that takes one value or is a flag (--ssh, --keep-daily, --config, --snapshots, ...) given on the
/// command line replaces the file's; a password option (--passfile, --extpass, --masterkey) replaces all of the file's;
/// the repeatable exclude options (--exclude, --exclude-wildcard, --exclude-from) add to the file's;</item>
/// <item>backup reads BACKUP_OPTIONS, and PRE and POST as --pre and --post (each value one command line); verify reads from BACKUP_OPTIONS the options that say what is backed up and
/// how to open it (excludes, --one-file-system, --config, --source-latest, password options; the backup-only ones
/// and --json, --debug are skipped), then VERIFY_OPTIONS (verify's own, e.g. --repair).</item>
/// </list>
/// </summary>
public static class InstanceArguments
{
    private const string OptionName = "--instance";

    private static readonly string[] PasswordOptions = ["--passfile", "--extpass", "--masterkey"];

    private static readonly string[] NotForVerify = ["--json", "--debug"];

    /// <summary>ARGS unchanged unless they are `backup|verify ... --instance NAME ...`.</summary>
    public static string[] Expand(RootCommand root, string[] args)
    {
        if (args.Length == 0 || args[0] is not ("backup" or "verify")) return args;
        var command = root.Subcommands.First(c => c.Name == args[0]);
        var rest = args[1..];
        string? name = null;
        var given = new List<string>();
        for (var i = 0; i < rest.Length; i++)
        {
            if (rest[i] == "--") { given.AddRange(rest[i..]); break; }
            if (rest[i] == OptionName)
            {
                if (i + 1 >= rest.Length) throw new CliException(ExitCodes.Usage, "--instance needs a NAME");
                name = name is null ? rest[++i] : throw new CliException(ExitCodes.Usage, "--instance is given twice");
            }
            else if (rest[i].StartsWith(OptionName + "=", StringComparison.Ordinal))
            {
                name = name is null ? rest[i][(OptionName.Length + 1)..] : throw new CliException(ExitCodes.Usage, "--instance is given twice");
            }
            else
            {
                given.Add(rest[i]);
            }
        }
        if (name is null) return args;
        if (given.Any(a => a is "-h" or "--help" or "-?")) return [args[0], "--help"];

        var path = InstanceFile.PathOf(name);
        if (!File.Exists(path))
            throw new CliException(ExitCodes.Usage, $"--instance {name}: no instance file {path}");
        var file = InstanceFile.Read(path);
        var backup = root.Subcommands.First(c => c.Name == "backup");

        var fromFile = new List<Occurrence>();
        fromFile.AddRange(Split(backup, file, "BACKUP_OPTIONS"));
        // PRE and POST: a hook's command line taken whole (no word splitting), for backup only.
        foreach (var (key, optionName) in new[] { ("PRE", "--pre"), ("POST", "--post") })
        {
            if (file.Get(key) is not { Length: > 0 } hook) continue;
            if (fromFile.Any(o => o.Option?.Name == optionName))
                throw new CliException(ExitCodes.Usage, $"{path}:{file.LineOf(key)}: {key} and {optionName} in BACKUP_OPTIONS: give the hook once");
            fromFile.Add(new Occurrence(backup.Options.First(o => o.Name == optionName), [optionName, hook]));
        }
        if (command.Name == "verify")
        {
            // The same option of verify (each command has its own Option objects), or none for backup-only options.
            fromFile = [.. fromFile
                .Select(o => o with { Option = command.Options.FirstOrDefault(v => v.Name == o.Option!.Name) })
                .Where(o => o.Option is not null && !NotForVerify.Contains(o.Option.Name))];
            fromFile.AddRange(Split(command, file, "VERIFY_OPTIONS"));
        }
        if (file.Get("SSH") is { Length: > 0 } ssh)
            fromFile.Insert(0, new Occurrence(command.Options.First(o => o.Name == "--ssh"), ["--ssh", ssh]));

        var fromLine = Split(command, given, out var positionals);
        var replaced = fromLine.Select(o => o.Option).OfType<Option>().Where(o => !Repeatable(o)).ToHashSet();
        var lineHasPassword = fromLine.Any(o => o.Option is not null && PasswordOptions.Contains(o.Option.Name));
        fromFile.RemoveAll(o => o.Option is not null && (replaced.Contains(o.Option) || (lineHasPassword && PasswordOptions.Contains(o.Option.Name))));

        var expanded = new List<string> { args[0] };
        foreach (var o in fromFile.Concat(fromLine)) expanded.AddRange(o.Words);
        if (positionals.Count > 0)
        {
            expanded.Add("--");
            expanded.AddRange(positionals);
        }
        else
        {
            var dest = file.Get("DEST");
            if (string.IsNullOrEmpty(dest))
                throw new CliException(ExitCodes.Usage, $"{path}: DEST is not set (and no DEST on the command line)");
            var source = file.Get("SOURCE");
            expanded.Add("--");
            if (!string.IsNullOrEmpty(source)) expanded.Add(source);
            expanded.Add(dest);
        }
        return [.. expanded];
    }

    /// <summary>One option with its value words, or (Option null) a word that is no option.</summary>
    private sealed record Occurrence(Option? Option, string[] Words);

    private static bool Repeatable(Option option) => option.Arity.MaximumNumberOfValues > 1 && option.ValueType != typeof(bool);

    private static bool TakesValue(Option option) => option.ValueType != typeof(bool);

    private static Option? Find(Command command, string word)
    {
        var name = word.Split('=', 2)[0];
        return command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
    }

    /// <summary>The words of an *_OPTIONS key as options of COMMAND; anything else is an error naming FILE:LINE.</summary>
    private static List<Occurrence> Split(Command command, InstanceFile file, string key)
    {
        var words = file.Words(key);
        var result = new List<Occurrence>();
        for (var i = 0; i < words.Count; i++)
        {
            var where = $"{file.Path}:{file.LineOf(key)}: {key}";
            var option = Find(command, words[i]);
            if (option is null || option.Name is "--help" or "--instance")
                throw new CliException(ExitCodes.Usage, words[i].StartsWith('-')
                    ? $"{where}: unknown option '{words[i]}' for {command.Name}"
                    : $"{where}: '{words[i]}' is not an option (the directories are SOURCE and DEST)");
            if (TakesValue(option) && !words[i].Contains('=', StringComparison.Ordinal))
            {
                if (i + 1 >= words.Count) throw new CliException(ExitCodes.Usage, $"{where}: {words[i]} needs a value");
                result.Add(new Occurrence(option, [words[i], words[++i]]));
            }
            else
            {
                result.Add(new Occurrence(option, [words[i]]));
            }
        }
        return result;
    }

    /// <summary>The command line's words as options of COMMAND, and its positional arguments.</summary>
    private static List<Occurrence> Split(Command command, List<string> words, out List<string> positionals)
    {
        var result = new List<Occurrence>();
        positionals = [];
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i] == "--") { positionals.AddRange(words.Skip(i + 1)); break; }
            var option = words[i].StartsWith('-') ? Find(command, words[i]) : null;
            if (option is null)
            {
                // An unknown option stays for the parser to report; anything else is PLAINDIR or DEST.
                if (words[i].StartsWith('-') && words[i].Length > 1) result.Add(new Occurrence(null, [words[i]]));
                else positionals.Add(words[i]);
            }
            else if (TakesValue(option) && !words[i].Contains('=', StringComparison.Ordinal) && i + 1 < words.Count)
            {
                result.Add(new Occurrence(option, [words[i], words[++i]]));
            }
            else
            {
                result.Add(new Occurrence(option, [words[i]]));
            }
        }
        return result;
    }
}
