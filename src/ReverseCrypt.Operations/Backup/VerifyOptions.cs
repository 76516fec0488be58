namespace ReverseCrypt.Operations.Backup;

/// <summary>What <see cref="VerifyRun"/> compares the view with.</summary>
public sealed class VerifyOptions
{
    public required BackupDestination Destination { get; init; }

    /// <summary>The remote-shell command (<c>--ssh</c>); default "ssh" or $RSYNC_RSH.</summary>
    public string RemoteShell { get; init; } = BackupOptions.DefaultRemoteShell();

    /// <summary>A snapshot name to check; null: the one <c>latest</c> points at (or DEST itself for a backup
    /// without snapshots).</summary>
    public string? Snapshot { get; init; }

    /// <summary>verify --repair: re-send what differs (see <see cref="VerifyRun.Repair"/>); takes the destination's
    /// lock exclusively, like a backup.</summary>
    public bool Repair { get; init; }
}
