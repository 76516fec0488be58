using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt mount CIPHERDIR MOUNTPOINT` (without --reverse): the decrypted, read-only view of a backup.</summary>
internal static class ForwardMount
{
    public static int Run(ParseResult r, PasswordOptions password, string cipherDir, string mountPoint, string? configPath,
        bool foreground, bool allowOther, bool debug, string? logFile)
        => throw new CliException(ExitCodes.Usage, "forward mount: not wired yet");
}
