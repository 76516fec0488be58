namespace ReverseCrypt.Operations.Backup;

/// <summary>What <see cref="BackupRun.Prepare"/> decided: where rsync writes and what it links against.</summary>
public sealed record BackupPlan
{
    /// <summary>The destination as found before this run.</summary>
    public required DestinationState State { get; init; }

    /// <summary>rsync's destination argument (host:path or a local path).</summary>
    public required string RsyncTarget { get; init; }

    /// <summary>The new snapshot's name, or null without snapshots.</summary>
    public string? Snapshot { get; init; }

    /// <summary>The complete snapshot to hard-link unchanged files against (rsync --link-dest), or null.</summary>
    public string? Previous { get; init; }

    /// <summary>The interrupted snapshot being continued (renamed to <see cref="Snapshot"/>), or null.</summary>
    public string? ResumedFrom { get; init; }

    /// <summary>How the snapshot was started (null without snapshots).</summary>
    public SnapshotMode? Mode { get; init; }

    /// <summary>How the new snapshot started on the destination (null without snapshots or in a dry run).</summary>
    public SnapshotStart? Start { get; init; }

    /// <summary>rsync updates files in place: the snapshot is a copy-on-write clone that shares no inode with
    /// another snapshot (started by this run as a clone, or resumed with its clone marker), or a linked reflink
    /// snapshot whose files rsync touches were given their own inodes.</summary>
    public bool InPlace { get; init; }

    /// <summary>Full or change-driven, with the listed paths (null without <see cref="BackupOptions.Changes"/>).</summary>
    public ChangePlan? Changes { get; init; }

    /// <summary>Other incomplete snapshots, removed once this one is complete.</summary>
    public IReadOnlyList<string> StaleIncomplete { get; init; } = [];
}
