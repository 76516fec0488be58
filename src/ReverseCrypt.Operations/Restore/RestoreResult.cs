using ReverseCrypt.Operations.Check;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Restore;

/// <summary>
/// The outcome of a restore: counts, the objects that failed, damage that was worked around, and warnings.
/// Exit codes the CLI should use: 0 when <see cref="IsClean"/>; 30 (DataDamaged) when there are failures (device
/// nodes and FIFOs skipped without --devices included) or damage; 130 when <see cref="Cancelled"/>. Errors that prevent the run (wrong password, unusable config, missing
/// directories) are exceptions thrown before any work.
/// </summary>
public sealed class RestoreResult
{
    internal RestoreResult(RestoreCounts counts, List<RestoreFailure> failures, List<CipherProblem> damage,
        List<string> warnings, List<SensitiveEntry> sensitive, bool cancelled, TimeSpan elapsed)
    {
        Sensitive = sensitive;
        Counts = counts;
        Failures = failures;
        Damage = damage;
        Warnings = warnings;
        Cancelled = cancelled;
        Elapsed = elapsed;
    }

    public RestoreCounts Counts { get; }

    /// <summary>Objects not restored, or not completely; sorted by plaintext path.</summary>
    public IReadOnlyList<RestoreFailure> Failures { get; }

    /// <summary>Every setuid/setgid file, device node and FIFO the restore left in the target (created now, or found
    /// complete from an earlier run; in a dry run: those it would create), hard links included; sorted by path.</summary>
    public IReadOnlyList<SensitiveEntry> Sensitive { get; }

    /// <summary>The device nodes and FIFOs not created because --devices was not given.</summary>
    public IEnumerable<RestoreFailure> Skipped => Failures.Where(f => f.Kind == RestoreFailureKind.DeviceSkipped);

    /// <summary>Every damaged object of the encrypted tree met on the way, including damage that lost nothing
    /// (a missing gocryptfs.diriv replaced by the path-derived IV, a leftover .name file).</summary>
    public IReadOnlyList<CipherProblem> Damage { get; }

    /// <summary>Things done differently from what was asked (e.g. owners not restored without root).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public bool Cancelled { get; }

    public TimeSpan Elapsed { get; }

    /// <summary>Everything restored, nothing damaged, not cancelled.</summary>
    public bool IsClean => Failures.Count == 0 && Damage.Count == 0 && !Cancelled;
}

/// <summary>What a restore did.</summary>
public sealed class RestoreCounts
{
    public long Directories;
    public long Files;
    public long Symlinks;
    /// <summary>FIFOs, sockets, device nodes.</summary>
    public long Specials;
    /// <summary>Additional names of hard-linked objects (links made with linkat).</summary>
    public long HardLinks;
    /// <summary>Plaintext bytes of file contents processed.</summary>
    public long Bytes;
    /// <summary>Files that were already complete in the target (same size and mtime) and were left alone.</summary>
    public long AlreadyComplete;
    /// <summary>Extended attributes (ACLs included) restored.</summary>
    public long Xattrs;
}
