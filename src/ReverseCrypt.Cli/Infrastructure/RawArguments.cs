namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>Edits raw command lines (for the background copy of `mount`).</summary>
public static class RawArguments
{
    private static readonly string[] PasswordOptionNames = ["--passfile", "--extpass", "--masterkey"];

    /// <summary>The arguments without the password options and their values ("--opt VALUE" and "--opt=VALUE").</summary>
    public static IEnumerable<string> WithoutPasswordOptions(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--") { foreach (var rest in args.Skip(i)) yield return rest; yield break; }
            if (PasswordOptionNames.Contains(arg)) { i++; continue; }
            if (PasswordOptionNames.Any(o => arg.StartsWith(o + "=", StringComparison.Ordinal))) continue;
            yield return arg;
        }
    }
}
