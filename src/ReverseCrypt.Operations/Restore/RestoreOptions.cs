namespace ReverseCrypt.Operations.Restore;

/// <summary>What <see cref="Restorer.Run"/> restores, and how.</summary>
public sealed class RestoreOptions
{
    /// <summary>The encrypted tree (a copy of a reverse view, or a gocryptfs AES-SIV filesystem).</summary>
    public required string CipherDir { get; init; }

    /// <summary>Where the plaintext tree is re-created (created if missing). The target root receives the
    /// attributes of the encrypted tree's root.</summary>
    public required string Target { get; init; }

    /// <summary>
    /// Plaintext paths to restore (relative to the tree root, '/'-separated, bytes); empty = everything. Each one is
    /// restored at the same relative path under <see cref="Target"/>, with the directories on the way.
    /// </summary>
    public IReadOnlyList<byte[]> Paths { get; init; } = [];

    /// <summary>Decrypt and check everything, write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Replace existing non-directory entries that differ from what is restored. Without it an existing
    /// entry is never touched (reported as a conflict), except a file that is already complete.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Create character and block device nodes and FIFOs found in the tree. Without it each one is
    /// reported (<see cref="RestoreFailureKind.DeviceSkipped"/>) and not created: a copy whose storage someone else
    /// controls can hold a planted device node (e.g. a block device with mode 0666 that would expose a disk).</summary>
    public bool Devices { get; init; }

    /// <summary>Threads decrypting and writing file contents. Default: one per core.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Count the files and bytes to restore before starting, for the ETA. Default true.</summary>
    public bool EstimateTotals { get; init; } = true;

    /// <summary>How often progress is reported. Default 250 ms.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
