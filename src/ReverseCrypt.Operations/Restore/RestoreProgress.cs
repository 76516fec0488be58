namespace ReverseCrypt.Operations.Restore;

/// <summary>A progress snapshot for the CLI's progress line (files, bytes, rate, ETA).</summary>
/// <param name="FilesDone">Objects restored so far (files, links, directories, special files).</param>
/// <param name="FilesTotal">Objects to restore, when counted (<see cref="RestoreOptions.EstimateTotals"/>), else -1.</param>
/// <param name="BytesDone">Plaintext bytes of file contents processed.</param>
/// <param name="BytesTotal">Plaintext bytes to process when counted, else -1.</param>
/// <param name="Failures">Objects that failed so far.</param>
/// <param name="Elapsed">Time since the start.</param>
/// <param name="BytesPerSecond">Average content rate since the start.</param>
/// <param name="Eta">Estimated time left (null when the totals are unknown or nothing was done yet).</param>
/// <param name="Finished">True for the last report.</param>
public readonly record struct RestoreProgress(long FilesDone, long FilesTotal, long BytesDone, long BytesTotal, int Failures,
    TimeSpan Elapsed, double BytesPerSecond, TimeSpan? Eta, bool Finished);
