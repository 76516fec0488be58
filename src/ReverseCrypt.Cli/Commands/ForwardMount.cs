using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.FileSystems.Forward;
using ReverseCrypt.Fuse;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt mount CIPHERDIR MOUNTPOINT` (without --reverse): the decrypted, read-only view of a backup.</summary>
internal static class ForwardMount
{
    public static int Run(ParseResult r, PasswordOptions password, string cipherDir, string mountPoint, string? configPath,
        bool foreground, bool allowOther, bool debug, string? logFile, bool ioUring)
    {
        using var key = CipherTreeKey.Open(password.Bind(r), cipherDir, configPath);
        if (!foreground && !FuseBackground.IsChild)
            return MountCommand.Detach(key, logFile);
        // From here on SIGINT/SIGTERM unmount: one that arrives while mounting does so as soon as the mount stands.
        using var signals = new Interruption();
        using var loggers = Logging.Create(debug);
        using var core = key.CreateCore();
        var forwardOptions = new ForwardOptions { CipherDir = Path.GetFullPath(cipherDir) };
        using (var fileSystem = CipherTreeKey.Guard(() => new ForwardFileSystem(forwardOptions, core, loggers.CreateLogger("forward"))))
        {
            var options = forwardOptions.CreateMountOptions(allowOther, debug, ioUring);
            using var mount = FuseMountErrors.Translate(() => FuseMount.Mount(fileSystem, mountPoint, options, loggers.CreateLogger("fuse")));
            mount.RunUntilUnmounted(cancellationToken: signals.Token);
        }
        return ExitCodes.Ok;
    }
}
