using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Check;

/// <summary>
/// The result of a check: every damaged object (by cipher path, with the plaintext path where the names on the way
/// decrypt) and counts. Exit codes the CLI should use: 0 when <see cref="IsClean"/>; 30 (DataDamaged) when any
/// problem was found; 130 when cancelled. A tree that cannot be checked at all (wrong password, bad config, missing
/// directory) fails before the check with an exception.
/// </summary>
public sealed class FsckReport
{
    internal FsckReport(List<CipherProblem> problems, List<SensitiveEntry> sensitive, FsckCounts counts, bool cancelled, TimeSpan elapsed)
    {
        Sensitive = sensitive;
        Problems = problems;
        Counts = counts;
        Cancelled = cancelled;
        Elapsed = elapsed;
    }

    /// <summary>Damaged objects, sorted by cipher path.</summary>
    public IReadOnlyList<CipherProblem> Problems { get; }

    /// <summary>Every setuid/setgid file, device node and FIFO of the tree (each name of a hard-linked one), sorted by
    /// plaintext path. Not damage: listed so that one planted in a copy is seen.</summary>
    public IReadOnlyList<SensitiveEntry> Sensitive { get; }

    public FsckCounts Counts { get; }

    public bool Cancelled { get; }

    public TimeSpan Elapsed { get; }

    /// <summary>Nothing damaged and the check ran to the end.</summary>
    public bool IsClean => Problems.Count == 0 && !Cancelled;

    /// <summary>Some damage makes data unreadable (more than a recoverable diriv or a leftover .name file).</summary>
    public bool HasDataLoss => Problems.Any(p => p.LosesData);
}

/// <summary>What a check looked at.</summary>
public sealed class FsckCounts
{
    public long Directories;
    public long Files;
    public long Symlinks;
    /// <summary>FIFOs, sockets, device nodes.</summary>
    public long Specials;
    /// <summary>Extended attributes (names and values) checked.</summary>
    public long Xattrs;
    /// <summary>Content blocks authenticated.</summary>
    public long Blocks;
    /// <summary>Plaintext bytes authenticated.</summary>
    public long Bytes;
}
