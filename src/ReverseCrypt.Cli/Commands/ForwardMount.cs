using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.FileSystems.Forward;
using ReverseCrypt.Fuse;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt mount CIPHERDIR MOUNTPOINT` (without --reverse): the decrypted, read-only view of a backup.</summary>
internal static class ForwardMount
{
    public static int Run(ParseResult r, PasswordOptions password, string cipherDir, string mountPoint, string? configPath,
        bool foreground, bool allowOther, bool debug, string? logFile)
    {
        using var key = CipherTreeKey.Open(password.Bind(r), cipherDir, configPath);
        if (!foreground && !FuseBackground.IsChild)
            return MountCommand.Detach(key, logFile);
        using var loggers = Logging.Create(debug);
        using var core = key.CreateCore();
        ForwardFileSystem fileSystem;
        try
        {
            fileSystem = new ForwardFileSystem(new ForwardOptions { CipherDir = Path.GetFullPath(cipherDir) }, core, loggers.CreateLogger("forward"));
        }
        catch (WrongKeyException e)
        {
            throw new CliException(ExitCodes.WrongPassword, e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.BadDirectory, $"{cipherDir}: {e.Message}", e);
        }
        using (fileSystem)
        {
            var options = new ForwardOptions { CipherDir = cipherDir }.CreateMountOptions(allowOther, debug);
            using var mount = FuseMountErrors.Translate(() => FuseMount.Mount(fileSystem, mountPoint, options, loggers.CreateLogger("fuse")));
            mount.RunUntilUnmounted();
        }
        return ExitCodes.Ok;
    }
}
