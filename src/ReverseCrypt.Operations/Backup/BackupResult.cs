namespace ReverseCrypt.Operations.Backup;

/// <summary>What a backup did, for the summary line and <c>--json</c>; filled in even when it failed.</summary>
public sealed record BackupResult
{
    public required string Destination { get; init; }

    /// <summary>The snapshot made (or, after a failure, the incomplete one left for the next run); null without snapshots.</summary>
    public string? Snapshot { get; init; }

    /// <summary>The snapshot the new one was hard-linked against, if any.</summary>
    public string? Previous { get; init; }

    /// <summary>The interrupted snapshot this run continued, if any.</summary>
    public string? ResumedFrom { get; init; }

    /// <summary>True when the snapshot was completed and latest now points at it.</summary>
    public bool Completed { get; init; }

    public bool DryRun { get; init; }

    public RsyncStats Stats { get; init; } = RsyncStats.Empty;

    /// <summary>File data moved before rsync stopped, from its last progress update (-1 when none): the figure to
    /// show when rsync was interrupted before printing <see cref="Stats"/>.</summary>
    public long ProgressBytes { get; init; } = -1;

    /// <summary>Bytes sent: rsync's own total when it printed one, else the last progress figure, else 0.</summary>
    public long BytesSent => Stats.BytesSent >= 0 ? Stats.BytesSent : Math.Max(0, ProgressBytes);

    public TimeSpan Duration { get; init; }

    /// <summary>rsync's exit code, or null when rsync did not run.</summary>
    public int? RsyncExitCode { get; init; }

    /// <summary>The CPU rsync ran on (pinned because the view served through FUSE over io_uring), or null.</summary>
    public int? RsyncCpu { get; init; }

    /// <summary>How the snapshot was started on the destination (null without snapshots or before Prepare).</summary>
    public SnapshotMode? SnapshotMode { get; init; }

    /// <summary>How the snapshot started: a whole clone, a hard-link copy, empty, resumed (null when none was begun).</summary>
    public SnapshotStart? SnapshotStart { get; init; }

    /// <summary>Files (plaintext paths, \xNN-escaped) that changed while the view served them: each is stored as one
    /// consistent state it had, and the next run sends it again. At most the first 10,000.</summary>
    public IReadOnlyList<string> ChangedDuringRun { get; init; } = [];

    /// <summary>How many files changed while the view served them (may exceed <see cref="ChangedDuringRun"/>).</summary>
    public long ChangedDuringRunCount { get; init; }

    /// <summary>Snapshots deleted by retention (or that would be, in a dry run), oldest first.</summary>
    public IReadOnlyList<string> Pruned { get; init; } = [];

    /// <summary>Complete snapshots left on the destination after this run, oldest first.</summary>
    public IReadOnlyList<string> Snapshots { get; init; } = [];

    /// <summary>Problems that did not stop the backup (e.g. retention could not delete).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>With --dry-run: every path the run would send, change the attributes of, or delete (by plaintext
    /// path, in rsync's order); null when not listed.</summary>
    public IReadOnlyList<DryRunChange>? Changes { get; init; }

    /// <summary>Whether the run was full or change-driven, and why (null when not decided).</summary>
    public ChangePlan? Run { get; init; }

    /// <summary>The steps of the run with their durations, in the order they ended (see <see cref="BackupPhases"/>).</summary>
    public IReadOnlyList<BackupPhase> Phases { get; init; } = [];

    /// <summary>Why the backup failed (or was partial), or null.</summary>
    public BackupException? Error { get; init; }
}
