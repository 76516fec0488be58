namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>An error the user can act on: printed as one line "reversecrypt: MESSAGE", exits with ExitCode.</summary>
public sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
