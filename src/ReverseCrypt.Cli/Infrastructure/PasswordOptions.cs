using System.CommandLine;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>The password options every command that needs the key shares.</summary>
public sealed class PasswordOptions
{
    public Option<FileInfo[]> Passfile { get; } = new("--passfile")
    {
        Description = "Read the password from the first line of FILE (the newline is not part of it). Repeatable: the lines are concatenated, as gocryptfs does.",
        HelpName = "FILE",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Extpass { get; } = new("--extpass")
    {
        Description = "Run CMD (with /bin/sh -c) and use the first line of its standard output as the password.",
        HelpName = "CMD",
    };

    public Option<string?> Masterkey { get; } = new("--masterkey")
    {
        Description = "Use this master key (64 hex digits, dashes ignored) instead of the config's password; 'stdin' reads it from standard input (a no-echo prompt on a terminal).",
        HelpName = "HEX|stdin",
    };

    public void AddTo(Command command, bool withMasterkey = true)
    {
        command.Options.Add(Passfile);
        command.Options.Add(Extpass);
        if (withMasterkey) command.Options.Add(Masterkey);
    }

    public PasswordSource Bind(ParseResult result) => new(
        result.GetValue(Passfile) ?? [],
        result.GetValue(Extpass),
        result.GetValue(Masterkey));
}
