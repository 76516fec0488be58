using System.Globalization;
using System.Text.RegularExpressions;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Reads rsync's standard output, line by line (progress lines end with '\r'), run with <c>--no-h</c> so that
/// numbers are plain digits: progress2 updates, the stats2 block, and everything else (itemized changes).
/// </summary>
public sealed partial class RsyncOutputParser
{
    private readonly Dictionary<string, long> _stats = new(StringComparer.Ordinal);

    public RsyncStats Stats { get; private set; } = RsyncStats.Empty;

    /// <summary>Parses one progress2 line ("  123456  12%   1.23MB/s    0:00:05 (xfr#3, to-chk=10/20)").</summary>
    public static bool TryParseProgress(string line, out RsyncProgress progress)
    {
        ArgumentNullException.ThrowIfNull(line);
        progress = default;
        var m = ProgressRegex().Match(line);
        if (!m.Success) return false;
        var bytes = long.Parse(m.Groups["bytes"].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        var percent = int.Parse(m.Groups["pct"].Value, CultureInfo.InvariantCulture);
        TimeSpan? eta = null;
        if (m.Groups["eta"].Success)
        {
            var parts = m.Groups["eta"].Value.Split(':');
            eta = new TimeSpan(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture),
                int.Parse(parts[2], CultureInfo.InvariantCulture));
        }
        int xfr = 0, toCheck = 0, listed = 0;
        var finished = false;
        if (m.Groups["xfr"].Success)
        {
            xfr = int.Parse(m.Groups["xfr"].Value, CultureInfo.InvariantCulture);
            toCheck = int.Parse(m.Groups["left"].Value, CultureInfo.InvariantCulture);
            listed = int.Parse(m.Groups["total"].Value, CultureInfo.InvariantCulture);
            finished = m.Groups["kind"].Value == "to";
        }
        progress = new RsyncProgress(bytes, percent, eta, xfr, toCheck, listed, finished);
        return true;
    }

    /// <summary>Takes one line of output; true when it was part of the statistics block.</summary>
    public bool TryParseStatsLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var m = StatsRegex().Match(line.Trim());
        if (!m.Success) return false;
        var key = m.Groups["key"].Value;
        var value = long.Parse(m.Groups["value"].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        _stats[key] = value;
        Stats = new RsyncStats
        {
            Files = Get("Number of files"),
            CreatedFiles = Get("Number of created files"),
            DeletedFiles = Get("Number of deleted files"),
            FilesTransferred = Get("Number of regular files transferred"),
            TotalFileSize = Get("Total file size"),
            TransferredFileSize = Get("Total transferred file size"),
            LiteralData = Get("Literal data"),
            MatchedData = Get("Matched data"),
            BytesSent = Get("Total bytes sent"),
            BytesReceived = Get("Total bytes received"),
        };
        return true;
    }

    private long Get(string key) => _stats.TryGetValue(key, out var v) ? v : -1;

    [GeneratedRegex(@"^\s*(?<bytes>[\d,]+)\s+(?<pct>\d+)%\s+\S+/s\s+(?<eta>\d+:\d\d:\d\d)?(?:\s*\(xfr#(?<xfr>\d+),\s*(?<kind>to|ir)-chk=(?<left>\d+)/(?<total>\d+)\))?\s*$")]
    private static partial Regex ProgressRegex();

    [GeneratedRegex(@"^(?<key>Number of files|Number of created files|Number of deleted files|Number of regular files transferred|Total file size|Total transferred file size|Literal data|Matched data|Total bytes sent|Total bytes received):\s+(?<value>[\d,]+)")]
    private static partial Regex StatsRegex();
}
