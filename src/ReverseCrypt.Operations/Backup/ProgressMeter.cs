using System.Text;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Turns rsync's progress2 updates into one status line: bytes, percent, rate (over the last few seconds), ETA, files.
/// Not thread-safe: feed it from one thread.
/// </summary>
public sealed class ProgressMeter
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);
    private readonly Queue<(TimeSpan Time, long Bytes)> _samples = new();

    public RsyncProgress Last { get; private set; }

    /// <summary>Bytes per second over the last few seconds, or null before there are two samples.</summary>
    public double? Rate { get; private set; }

    /// <summary>Adds an update seen <paramref name="elapsed"/> after the start.</summary>
    public void Add(RsyncProgress progress, TimeSpan elapsed)
    {
        Last = progress;
        _samples.Enqueue((elapsed, progress.Bytes));
        while (_samples.Count > 2 && elapsed - _samples.Peek().Time > Window) _samples.Dequeue();
        var first = _samples.Peek();
        var span = (elapsed - first.Time).TotalSeconds;
        Rate = span > 0.2 ? Math.Max(0, (progress.Bytes - first.Bytes) / span) : Rate;
    }

    /// <summary>The status line, cut to <paramref name="width"/> characters.</summary>
    public string Format(int width = 100)
    {
        var p = Last;
        var line = new StringBuilder();
        line.Append(ByteSize.Format(p.Bytes)).Append("  ").Append(p.Percent).Append('%');
        line.Append("  ").Append(Rate is { } rate ? ByteSize.Format(rate) + "/s" : "--/s");
        // While rsync still scans (ir-chk), its total and so its ETA are provisional: marked with "~".
        line.Append("  ETA ").Append(p.Eta is { } eta ? (p.ScanFinished ? "" : "~") + ByteSize.FormatDuration(eta) : "--:--");
        line.Append("  files ").Append(p.FilesTransferred);
        if (p.FilesListed > 0)
        {
            line.Append(", checked ").Append(p.FilesListed - p.ToCheck).Append('/').Append(p.FilesListed);
            if (!p.ScanFinished) line.Append('+');
        }
        return line.Length > width ? line.ToString(0, Math.Max(0, width)) : line.ToString();
    }
}
