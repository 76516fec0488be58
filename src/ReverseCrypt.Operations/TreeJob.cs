using ReverseCrypt.Format;
using ReverseCrypt.Format.Content;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations;

/// <summary>What fsck and restore share around their walk: opening the tree, per-worker block buffers and the
/// progress reports (timer, rate, ETA).</summary>
internal static class TreeJob
{
    /// <summary>Most worker threads.</summary>
    public const int MaxWorkers = 64;

    /// <summary>Checks <paramref name="workers"/> (1..64) and opens the encrypted tree, refusing a key that decrypts
    /// none of its root names (<see cref="WrongKeyException"/>) before anything is done.</summary>
    public static CipherTree OpenTree(string cipherDir, CryptoCore core, int workers, string optionsName)
    {
        ArgumentNullException.ThrowIfNull(core);
        if (workers is < 1 or > MaxWorkers)
        {
            throw new ArgumentOutOfRangeException(optionsName, workers, "Workers must be 1..64.");
        }
        var tree = new CipherTree(cipherDir, core);
        try
        {
            tree.CheckKey();
            return tree;
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    /// <summary>Reports <paramref name="report"/>() every interval until <see cref="ProgressTicker{T}.Finish"/> or
    /// Dispose.</summary>
    public static ProgressTicker<T> StartProgress<T>(IProgress<T>? progress, Func<T> report, TimeSpan interval) =>
        new(progress, report, interval);

    /// <summary>The average rate since the start and the time left (zero when finished, null while the total is unknown
    /// or nothing was done yet).</summary>
    public static (double BytesPerSecond, TimeSpan? Eta) Rate(long bytes, long bytesTotal, TimeSpan elapsed, bool finished)
    {
        double rate = elapsed.TotalSeconds > 0 ? bytes / elapsed.TotalSeconds : 0;
        TimeSpan? eta = finished ? TimeSpan.Zero
            : bytesTotal >= 0 && rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, bytesTotal - bytes) / rate)
            : null;
        return (rate, eta);
    }
}

/// <summary>One plaintext and one ciphertext buffer of a number of content blocks per worker thread, allocated on the
/// worker's first use.</summary>
internal sealed class WorkerBuffers(int workers, int blocks)
{
    private readonly byte[]?[] _plain = new byte[workers][];
    private readonly byte[]?[] _cipher = new byte[workers][];

    public byte[] Plain(int worker) => _plain[worker] ??= GC.AllocateUninitializedArray<byte>(blocks * ContentLayout.PlainBlockSize);

    public byte[] Cipher(int worker) => _cipher[worker] ??= GC.AllocateUninitializedArray<byte>(blocks * ContentLayout.CipherBlockSize);
}

/// <summary>
/// Periodic progress reports that never come after the final one: a timer callback may still be running when the
/// job ends (Timer.Dispose does not wait for it), so ticks and the final report take one lock and ticks stop once
/// the job finished.
/// </summary>
internal sealed class ProgressTicker<T> : IDisposable
{
    private readonly IProgress<T>? _progress;
    private readonly Func<T> _report;
    private readonly Timer? _timer;
    private readonly Lock _gate = new();
    private bool _finished;

    public ProgressTicker(IProgress<T>? progress, Func<T> report, TimeSpan interval)
    {
        _progress = progress;
        _report = report;
        _timer = progress is null ? null : new Timer(_ => Tick(), null, interval, interval);
    }

    private void Tick()
    {
        lock (_gate)
        {
            if (!_finished)
            {
                _progress!.Report(_report());
            }
        }
    }

    /// <summary>Stops the ticks and reports <paramref name="final"/> as the last report.</summary>
    public void Finish(T final)
    {
        lock (_gate)
        {
            _finished = true;
            _progress?.Report(final);
        }
        _timer?.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _finished = true;
        }
        _timer?.Dispose();
    }
}
