namespace ReverseCrypt.Operations.Check;

/// <summary>What <see cref="Fsck.Run"/> checks, and how.</summary>
public sealed class FsckOptions
{
    /// <summary>The encrypted tree.</summary>
    public required string CipherDir { get; init; }

    /// <summary>Threads authenticating file contents. Default: one per core.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Count files and bytes first, for the ETA. Default true.</summary>
    public bool EstimateTotals { get; init; } = true;

    /// <summary>How often progress is reported. Default 250 ms.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
