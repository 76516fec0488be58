using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Config;
using ReverseCrypt.Fuse;

namespace ReverseCrypt.Cli.Commands;

/// <summary>
/// `reversecrypt mount`: with --reverse, the encrypted view of a plaintext directory (the backup source); without it,
/// the decrypted view of an encrypted tree (to browse a backup). Background by default: returns once the mount answers.
/// </summary>
public static class MountCommand
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The help of --no-sparse (mount --reverse, backup, verify).</summary>
    internal const string NoSparseHelp = "With --reverse: encrypt every block, also those inside holes of sparse files, byte-identical to gocryptfs -reverse (by default a whole 4 KiB block inside a hole is shown as an all-zero block, which reads back as zeros and costs nothing to back up, but shows where the holes are).";

    public static Command Create()
    {
        var reverse = new Option<bool>("--reverse") { Description = "Show PLAINDIR encrypted (the backup source), instead of decrypting CIPHERDIR." };
        var config = new Option<FileInfo?>("--config") { Description = "Config file (default: SOURCE/.gocryptfs.reverse.conf with --reverse, SOURCE/gocryptfs.conf otherwise).", HelpName = "FILE" };
        var hideConfig = new Option<bool>("--hide-config") { Description = "With --reverse: do not show the config as gocryptfs.conf in the view (a copy then needs the config kept elsewhere)." };
        var noSparse = new Option<bool>("--no-sparse") { Description = NoSparseHelp };
        var allowOther = new Option<bool>("--allow-other") { Description = "Let other users access the mount (needs user_allow_other in /etc/fuse.conf when not root)." };
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay in the foreground until unmounted (SIGINT/SIGTERM unmount); sends READY=1 to systemd." };
        var attrTimeout = new Option<double>("--attr-timeout") { Description = "Seconds the kernel may cache attributes and names (the plaintext is live: changes show after this). Also bounds, up to 1 s, the age of a directory listing prepared ahead of a walk (0: none is).", DefaultValueFactory = _ => 1.0 };
        var debug = new Option<bool>("--debug") { Description = "Log every FUSE request (very verbose)." };
        var noIoUring = new Option<bool>("--no-io-uring") { Description = "Serve every request through /dev/fuse even where the kernel offers FUSE over io_uring (fuse.enable_uring=Y; see README)." };
        var logFile = new Option<FileInfo?>("--log") { Description = "In background mode, append the daemon's log to FILE (default: discarded).", HelpName = "FILE" };
        var ssh = new Option<string?>("--ssh") { Description = "For a [user@]host:PATH source: the remote shell command, as rsync's -e (default: ssh; ServerAliveInterval=15 is added).", HelpName = "CMD" };
        var snapshot = new Option<string?>("--snapshot") { Description = "For a [user@]host:DEST source: mount this snapshot (a name 'reversecrypt snapshots' lists) instead of the latest.", HelpName = "NAME" };
        var timeout = new Option<double>("--timeout") { Description = "For a [user@]host:PATH source: seconds an SFTP request may take; then the connection is dropped (pending reads answer EIO) and the next request reconnects.", DefaultValueFactory = _ => 30.0, HelpName = "S" };
        var source = new Argument<string>("SOURCE") { Description = "PLAINDIR with --reverse, otherwise CIPHERDIR or [user@]host:PATH (a remote snapshot, read over SFTP)." };
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "An empty directory outside SOURCE." };
        var password = new PasswordOptions();
        var excludes = new ExcludeOptions();
        var command = new Command("mount", "Mount an encrypted view of a plaintext directory (--reverse), or a decrypted view of an encrypted copy, local or remote ([user@]host:PATH, over SFTP).")
        {
            reverse, config, hideConfig, noSparse, allowOther, foreground, attrTimeout, debug, noIoUring, logFile, ssh, snapshot, timeout,
            source, mountPoint,
        };
        password.AddTo(command);
        excludes.AddTo(command);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var sourceDir = r.GetValue(source)!;
            var mp = r.GetValue(mountPoint)!;
            var isReverse = r.GetValue(reverse);
            var remote = !isReverse && RemoteMount.IsRemote(sourceDir);
            if (!remote && (r.GetValue(ssh) is not null || r.GetValue(snapshot) is not null || r.GetResult(timeout) is { Implicit: false }))
                throw new CliException(ExitCodes.Usage, "--ssh, --snapshot and --timeout are for a remote source ([user@]host:PATH)");
            if (remote)
                return RemoteMount.Run(password.Bind(r), sourceDir, mp, r.GetValue(config)?.FullName, r.GetValue(ssh), r.GetValue(snapshot),
                    r.GetValue(timeout), r.GetValue(foreground), r.GetValue(allowOther), r.GetValue(debug), r.GetValue(logFile)?.FullName,
                    !r.GetValue(noIoUring));
            if (!isReverse) return ForwardMount.Run(r, password, sourceDir, mp, r.GetValue(config)?.FullName, r.GetValue(foreground), r.GetValue(allowOther), r.GetValue(debug), r.GetValue(logFile)?.FullName, !r.GetValue(noIoUring));
            ReverseView.Validate(sourceDir, mp);
            var exclude = excludes.BindMatcher(r);
            var configPath = r.GetValue(config)?.FullName ?? Path.Combine(Path.GetFullPath(sourceDir), ConfigLocator.ReverseName);
            var passwords = password.Bind(r);
            if (!File.Exists(configPath) && !passwords.HasMasterkey)
                throw new CliException(ExitCodes.ConfigMissing, $"no config {configPath}; create one with 'reversecrypt init --reverse {sourceDir}'");
            using var key = KeyLoader.Open(passwords, configPath, FormatOptions.ReverseDefaults);
            if (!key.Options.AesSiv)
                throw new CliException(ExitCodes.ConfigInvalid, $"{configPath} is not an AES-SIV config; reverse mode needs one (create it with 'reversecrypt init --reverse')");

            if (!r.GetValue(foreground) && !FuseBackground.IsChild)
                return Detach(key, r.GetValue(logFile)?.FullName);

            // From here on SIGINT/SIGTERM unmount: one that arrives while mounting does so as soon as the mount stands.
            using var signals = new Interruption();
            using var loggers = Logging.Create(r.GetValue(debug));
            var settings = new ReverseViewSettings(sourceDir, key)
            {
                ConfigPath = File.Exists(configPath) ? configPath : null,
                HideConfig = r.GetValue(hideConfig),
                Exclude = exclude,
                OneFileSystem = r.GetValue(excludes.OneFileSystem),
                Sparse = !r.GetValue(noSparse),
                AttrTimeout = TimeSpan.FromSeconds(r.GetValue(attrTimeout)),
                AllowOther = r.GetValue(allowOther),
                Debug = r.GetValue(debug),
                IoUring = !r.GetValue(noIoUring),
            };
            using var view = ReverseView.Mount(settings, mp, loggers);
            view.Fuse.RunUntilUnmounted(cancellationToken: signals.Token);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// Background mode: the key is already unlocked here (so a wrong password is reported at once); a detached copy
    /// of this program mounts with the master key handed over on its standard input, never on the command line.
    /// </summary>
    internal static int Detach(OpenedKey key, string? logFile)
    {
        var childArgs = RawArguments.WithoutPasswordOptions(Program.Arguments).Concat(["--masterkey", "stdin"]);
        var result = FuseBackground.Start(childArgs, ReadyTimeout, logFile, MasterKeyText.Format(key.Key) + "\n");
        if (result.Ready) return ExitCodes.Ok;
        var message = result.ErrorMessage.Trim();
        Console.Error.WriteLine(message.StartsWith("reversecrypt:", StringComparison.Ordinal) ? message : "reversecrypt: " + message);
        return result.ExitCode > 0 ? result.ExitCode : ExitCodes.MountFailed;
    }
}
