namespace ReverseCrypt.Operations.Backup;

/// <summary>A finished rsync: its exit code, statistics, the lines it printed that were neither progress nor
/// statistics (itemized changes), its stderr, and whether it was stopped by cancellation.</summary>
public sealed record RsyncRun(int ExitCode, RsyncStats Stats, IReadOnlyList<string> OutputLines, string Stderr, bool Cancelled,
    TimeSpan Duration)
{
    /// <summary>The CPU rsync was pinned to, or null when it ran unpinned.</summary>
    public int? Cpu { get; init; }

    /// <summary>The byte count of rsync's last progress update (file data moved so far), or -1 without one: what
    /// was sent when rsync stopped before printing its statistics.</summary>
    public long ProgressBytes { get; init; } = -1;

    /// <summary>The last non-empty line of stderr (rsync's own error), or "".</summary>
    public string LastErrorLine =>
        Stderr.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0 && !l.StartsWith("rsync error:", StringComparison.Ordinal))
        ?? Stderr.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
}
