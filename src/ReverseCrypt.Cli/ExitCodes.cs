namespace ReverseCrypt.Cli;

/// <summary>
/// The one table of process exit codes. Stable: scripts may depend on them. Listed in README.md
/// ("Exit codes") and in `reversecrypt --help`.
/// </summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>Unexpected internal error (a bug: please report it with the log).</summary>
    public const int InternalError = 1;
    /// <summary>Bad command line: unknown option, missing argument, conflicting options.</summary>
    public const int Usage = 2;
    /// <summary>The password (or master key) does not open the config.</summary>
    public const int WrongPassword = 12;
    /// <summary>No password could be read: empty passfile, failing --extpass, no terminal.</summary>
    public const int PasswordUnavailable = 13;
    /// <summary>The config file does not exist.</summary>
    public const int ConfigMissing = 14;
    /// <summary>The config file exists but is invalid: corrupt JSON, unknown flag, bad scrypt parameters, wrong version.</summary>
    public const int ConfigInvalid = 15;
    /// <summary>init refused: a config file is already there.</summary>
    public const int ConfigExists = 16;
    /// <summary>A source or target directory is missing, not a directory, or unreadable.</summary>
    public const int BadDirectory = 20;
    /// <summary>The mountpoint is missing, not a directory, busy (already mounted) or inside the source tree.</summary>
    public const int MountpointUnusable = 21;
    /// <summary>The kernel refused the mount: no /dev/fuse, not permitted, fusermount3 failed.</summary>
    public const int MountFailed = 22;
    /// <summary>unmount failed: not mounted, or busy.</summary>
    public const int UnmountFailed = 23;
    /// <summary>fsck / restore / verify found damaged or differing data (some objects could not be processed).</summary>
    public const int DataDamaged = 30;
    /// <summary>A required external tool is missing (rsync, ssh, fusermount3).</summary>
    public const int ToolMissing = 40;
    /// <summary>rsync could not reach or authenticate to the remote host.</summary>
    public const int RemoteUnreachable = 41;
    /// <summary>rsync finished with a partial transfer (some files vanished or could not be read); the backup is incomplete.</summary>
    public const int PartialTransfer = 42;
    /// <summary>rsync failed for another reason (its own code is printed).</summary>
    public const int RsyncFailed = 43;
    /// <summary>backup refused: another backup to the same destination is running (its pid is named); nothing was done.</summary>
    public const int DestinationBusy = 44;
    /// <summary>The destination could not store the backup: full (bytes or inodes), over quota, read-only, I/O errors; the snapshot stays incomplete, latest is unchanged.</summary>
    public const int DestinationFailed = 45;
    /// <summary>snapshots / restore --from: the snapshot or plaintext path asked for is not in the backup, or the
    /// destination holds no snapshots.</summary>
    public const int NotInBackup = 46;
    /// <summary>serve refused a command: outside DEST, not one of reversecrypt's steps, or a change to a committed
    /// snapshot under --append-only.</summary>
    public const int Refused = 47;
    /// <summary>backup: the --pre hook failed or timed out (nothing was sent), or the --post hook failed after an
    /// otherwise successful run (the snapshot is complete).</summary>
    public const int HookFailed = 48;
    /// <summary>backup --source-snapshot: the source could not be snapshotted (not a btrfs subvolume, not on an LVM
    /// volume, lvcreate/mount failed; nothing was sent), or the snapshot could not be removed after a successful run.</summary>
    public const int SourceSnapshotFailed = 49;
    /// <summary>Interrupted by SIGINT/SIGTERM; cleaned up.</summary>
    public const int Interrupted = 130;

    /// <summary>Every code with its one-line meaning, for --help and the README.</summary>
    public static IReadOnlyList<(int Code, string Name, string Meaning)> All { get; } =
    [
        (Ok, nameof(Ok), "success"),
        (InternalError, nameof(InternalError), "unexpected internal error (a bug)"),
        (Usage, nameof(Usage), "bad command line"),
        (WrongPassword, nameof(WrongPassword), "wrong password or master key"),
        (PasswordUnavailable, nameof(PasswordUnavailable), "no password could be read (empty passfile, failing --extpass, no terminal)"),
        (ConfigMissing, nameof(ConfigMissing), "config file missing"),
        (ConfigInvalid, nameof(ConfigInvalid), "config file invalid (corrupt JSON, unknown flag, bad parameters)"),
        (ConfigExists, nameof(ConfigExists), "init refused: config already exists"),
        (BadDirectory, nameof(BadDirectory), "source/target directory missing, not a directory or unreadable"),
        (MountpointUnusable, nameof(MountpointUnusable), "mountpoint missing, not a directory, busy, or inside the source"),
        (MountFailed, nameof(MountFailed), "the kernel or fusermount3 refused the mount"),
        (UnmountFailed, nameof(UnmountFailed), "unmount failed (not mounted or busy)"),
        (DataDamaged, nameof(DataDamaged), "damaged or differing data found (fsck, restore, verify); restore skipped device nodes/FIFOs (no --devices)"),
        (ToolMissing, nameof(ToolMissing), "a required tool is missing (rsync, ssh, fusermount3)"),
        (RemoteUnreachable, nameof(RemoteUnreachable), "remote host unreachable or authentication refused"),
        (PartialTransfer, nameof(PartialTransfer), "partial transfer: some files could not be read or vanished"),
        (RsyncFailed, nameof(RsyncFailed), "rsync failed (its own exit code is printed)"),
        (DestinationBusy, nameof(DestinationBusy), "another backup to the same destination is running"),
        (DestinationFailed, nameof(DestinationFailed), "the destination failed (full, over quota, read-only, I/O error); latest unchanged"),
        (NotInBackup, nameof(NotInBackup), "no such snapshot or path in the backup, or no snapshots at all"),
        (Refused, nameof(Refused), "serve refused the command (outside DEST, unknown, or changing a committed snapshot under --append-only)"),
        (HookFailed, nameof(HookFailed), "backup: the --pre hook failed (nothing sent), or the --post hook failed after a success"),
        (SourceSnapshotFailed, nameof(SourceSnapshotFailed), "backup: --source-snapshot could not snapshot the source (nothing sent) or remove the snapshot"),
        (Interrupted, nameof(Interrupted), "interrupted by SIGINT/SIGTERM, cleaned up"),
    ];
}
