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

    /// <summary>This rsync followed by <paramref name="next"/> of the same run, as one: the first failing exit code,
    /// the sums of the statistics, both outputs.</summary>
    public RsyncRun Then(RsyncRun next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return new RsyncRun(ExitCode != 0 ? ExitCode : next.ExitCode, Stats.Plus(next.Stats), [.. OutputLines, .. next.OutputLines],
            Stderr + next.Stderr, Cancelled || next.Cancelled, Duration + next.Duration)
        {
            Cpu = Cpu,
            ProgressBytes = ProgressBytes < 0 ? next.ProgressBytes : next.ProgressBytes < 0 ? ProgressBytes : ProgressBytes + next.ProgressBytes,
        };
    }

    /// <summary>The last non-empty line of stderr (rsync's own error), or "".</summary>
    public string LastErrorLine =>
        Stderr.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0 && !l.StartsWith("rsync error:", StringComparison.Ordinal))
        ?? Stderr.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
}
