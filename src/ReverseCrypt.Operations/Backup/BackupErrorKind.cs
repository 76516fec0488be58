namespace ReverseCrypt.Operations.Backup;

/// <summary>Why a backup or verify stopped; the CLI maps each kind to one documented exit code.</summary>
public enum BackupErrorKind
{
    /// <summary>The command line asks for something impossible (bad DEST, bad --bwlimit, --keep-* without snapshots).</summary>
    Usage,
    /// <summary>DEST is not usable: not a directory, not writable, a snapshot name already taken.</summary>
    BadDestination,
    /// <summary>The source directory is missing or unreadable (also: --source-latest found no subdirectory).</summary>
    BadSource,
    /// <summary>rsync or the ssh program is missing here, or rsync on the remote host.</summary>
    ToolMissing,
    /// <summary>ssh could not connect or authenticate.</summary>
    RemoteUnreachable,
    /// <summary>rsync transferred what it could, but some files vanished or could not be read (rsync codes 23, 24).</summary>
    PartialTransfer,
    /// <summary>rsync failed for another reason.</summary>
    RsyncFailed,
    /// <summary>SIGINT or SIGTERM arrived; the child was stopped and everything cleaned up.</summary>
    Interrupted,
    /// <summary>verify found differences.</summary>
    Differs,
    /// <summary>Another backup to the same destination is running (see <see cref="DestinationLock"/>).</summary>
    Busy,
    /// <summary>The destination could not take the data: full (bytes or inodes), over quota, read-only, I/O errors,
    /// or any other error of rsync's receiving side. The snapshot stays incomplete and latest is not moved.</summary>
    DestinationFailed,
    /// <summary>A --pre hook failed (or a --post hook after an otherwise successful run).</summary>
    HookFailed,
    /// <summary>--source-snapshot could not snapshot the source (not a btrfs subvolume, not on LVM, lvcreate failed),
    /// or could not remove the snapshot afterwards.</summary>
    SourceSnapshot,
}
