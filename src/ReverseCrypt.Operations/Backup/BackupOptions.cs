namespace ReverseCrypt.Operations.Backup;

/// <summary>What a <see cref="BackupRun"/> does. The view (the mounted encrypted tree) is passed to
/// <see cref="BackupRun.Transfer"/>: this project never mounts anything.</summary>
public sealed class BackupOptions
{
    public required BackupDestination Destination { get; init; }

    /// <summary>The remote-shell command as given (<c>--ssh</c>), passed to rsync as <c>-e</c>; default "ssh"
    /// (or $RSYNC_RSH, as rsync does).</summary>
    public string RemoteShell { get; init; } = DefaultRemoteShell();

    /// <summary>Keep dated snapshots under DEST/snapshots with a latest link, instead of one mirror in DEST.</summary>
    public bool Snapshots { get; init; }

    /// <summary>How a new snapshot starts from the previous one (<c>--snapshot-mode</c>); auto by default.</summary>
    public SnapshotMode SnapshotMode { get; init; } = SnapshotMode.Auto;

    /// <summary>Applied after a complete run (snapshots only).</summary>
    public RetentionPolicy Retention { get; init; } = new();

    /// <summary>rsync's --bwlimit (e.g. "5M"), or null.</summary>
    public string? BwLimit { get; init; }

    /// <summary>rsync --dry-run; nothing on the destination is created, renamed or deleted.</summary>
    public bool DryRun { get; init; }

    /// <summary>The time the snapshot is named after; default: the clock at <see cref="BackupRun.Prepare"/>.</summary>
    public DateTime? Now { get; init; }

    /// <summary>Progress updates of rsync (called on a reader thread).</summary>
    public Action<RsyncProgress>? Progress { get; init; }

    /// <summary>Each line rsync writes to stderr (called on a reader thread).</summary>
    public Action<string>? RsyncMessage { get; init; }

    /// <summary>rsync's remote shell when none is given: $RSYNC_RSH, else "ssh".</summary>
    public static string DefaultRemoteShell()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("RSYNC_RSH");
        return string.IsNullOrWhiteSpace(fromEnvironment) ? "ssh" : fromEnvironment;
    }
}
