using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.FileSystems.Forward;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Config;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;
using ReverseCrypt.Operations.Backup;
using ReverseCrypt.Operations.Remote;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Cli.Commands;

/// <summary>
/// `reversecrypt mount [--ssh CMD] [--snapshot NAME] [user@]host:PATH MOUNTPOINT`: the decrypted, read-only view of a
/// remote snapshot, read on demand over one ssh connection speaking SFTP (nothing but sshd needed on the remote).
/// </summary>
internal static class RemoteMount
{
    /// <summary>True when SOURCE means a remote tree: [user@]host:path (as rsync reads it) and no local directory of
    /// that name exists.</summary>
    public static bool IsRemote(string source) =>
        !Directory.Exists(source) && BackupCommand.Map(() => BackupDestination.Parse(source)).IsRemote;

    public static int Run(PasswordSource passwords, string source, string mountPoint, string? configPath, string? ssh,
        string? snapshot, double timeoutSeconds, bool foreground, bool allowOther, bool debug, string? logFile, bool ioUring)
    {
        if (timeoutSeconds is < 1 or > 3600 || double.IsNaN(timeoutSeconds))
            throw new CliException(ExitCodes.Usage, "--timeout must be between 1 and 3600 seconds");
        var destination = BackupCommand.Map(() => BackupDestination.Parse(source));
        var words = BackupCommand.Map(() => ShellQuoting.SplitRemoteShell(ssh ?? "ssh"));
        if (!ChildProcess.Exists(words[0]))
            throw new CliException(ExitCodes.ToolMissing, $"the remote shell '{words[0]}' is not installed (install openssh-client, or fix --ssh)");
        var detach = !foreground && !FuseBackground.IsChild;
        // From here on SIGINT/SIGTERM unmount: one that arrives while mounting does so as soon as the mount stands.
        using var signals = detach ? null : new Interruption();
        using var loggers = Logging.Create(debug);
        using var client = new SftpClient(words, destination.Host!, TimeSpan.FromSeconds(timeoutSeconds), loggers.CreateLogger("sftp"));
        RemoteErrors.Map(() =>
        {
            client.Connect();
            return 0;
        });
        var (root, label) = RemoteErrors.Map(() => SftpSnapshot.Locate(client, destination, snapshot));
        var store = new SftpCipherStore(client, root);
        using var key = OpenKey(store, label, passwords, configPath);
        if (detach)
        {
            client.Dispose(); // the detached daemon makes its own connection
            return MountCommand.Detach(key, logFile);
        }
        using var core = key.CreateCore();
        var forwardOptions = new ForwardOptions { CipherDir = destination.Host + ":" + BytePath.Display(root) };
        using (var fileSystem = CipherTreeKey.Guard(() => new ForwardFileSystem(forwardOptions, store, core, loggers.CreateLogger("forward"))))
        {
            var options = forwardOptions.CreateMountOptions(allowOther, debug, ioUring);
            using var mount = FuseMountErrors.Translate(() => FuseMount.Mount(fileSystem, mountPoint, options, loggers.CreateLogger("fuse")));
            mount.RunUntilUnmounted(cancellationToken: signals!.Token);
        }
        return ExitCodes.Ok; // disposing the client ends the ssh child
    }

    /// <summary>The key: --config FILE (local), else the tree's own gocryptfs.conf read over SFTP; --masterkey alone
    /// works without either (reverse-mode defaults).</summary>
    private static OpenedKey OpenKey(SftpCipherStore store, string label, PasswordSource passwords, string? configPath)
    {
        if (configPath is not null)
            return KeyLoader.Open(passwords, configPath, FormatOptions.ReverseDefaults);
        var name = label + ": gocryptfs.conf";
        var buffer = new byte[ConfFile.MaxFileSize + 1];
        int length = new CipherDir(store, []).ReadSmallFile("gocryptfs.conf"u8, buffer, out var errno);
        ConfFile? config = null;
        if (length >= 0)
        {
            try
            {
                config = ConfFile.Parse(buffer.AsSpan(0, length), name);
            }
            catch (ConfigException e)
            {
                throw new CliException(ExitCodes.ConfigInvalid, e.Message, e);
            }
        }
        else if (errno is not Errno.ENOENT)
        {
            throw new CliException(ExitCodes.RemoteUnreachable, $"cannot read {name} over SFTP: {Libc.Describe(errno)}");
        }
        var masterkey = passwords.ReadMasterkey();
        if (masterkey is not null)
            return new OpenedKey(masterkey, config?.ToFormatOptions() ?? FormatOptions.ReverseDefaults);
        if (config is null)
            throw new CliException(ExitCodes.ConfigMissing,
                $"{label} has no gocryptfs.conf; give --config FILE (e.g. PLAINDIR/.gocryptfs.reverse.conf) or --masterkey HEX|stdin");
        try
        {
            return new OpenedKey(KeyLoader.Unlock(config, name, passwords.ReadPassword()), config.ToFormatOptions());
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.WrongPassword)
        {
            throw new CliException(ExitCodes.WrongPassword,
                $"the password does not open the config of {label} (changed with 'passwd' since that snapshot was made?); " +
                "give --config FILE with the current config, or --masterkey HEX|stdin", e);
        }
    }
}
