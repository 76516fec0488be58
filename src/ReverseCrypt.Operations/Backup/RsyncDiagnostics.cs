using System.Globalization;
using System.Text.RegularExpressions;

namespace ReverseCrypt.Operations.Backup;

/// <summary>Which side of a transfer an rsync error line comes from.</summary>
public enum RsyncSide
{
    /// <summary>No role tag and no operation we recognise.</summary>
    Unknown,
    /// <summary>The sending side: in a backup, our view (the source).</summary>
    Sender,
    /// <summary>The receiving side (receiver or generator process): in a backup, the destination.</summary>
    Receiver,
}

/// <summary>One error line rsync printed: its side, its errno (the "(28)" at the end) and the text.</summary>
public sealed record RsyncErrorLine(RsyncSide Side, int? Errno, string Text);

/// <summary>
/// Reads every line rsync wrote on stderr and finds the cause of a failure, not its last symptom: a full destination
/// makes the receiver print "write failed … No space left on device (28)" and the sender, a moment later, "Broken
/// pipe". rsync 3.1+ tags each message with the role of the process that printed it (<c>[sender]</c>,
/// <c>[receiver]</c>, <c>[generator]</c>); older ones are recognised by the operation they name.
/// </summary>
public static partial class RsyncDiagnostics
{
    private const int Eio = 5;
    private const int Enospc = 28;
    private const int Erofs = 30;
    private const int Edquot = 122;
    private const int Efbig = 27;

    /// <summary>Errnos that mean the destination itself cannot take the backup (full, over quota, read-only,
    /// failing): never a partial success.</summary>
    public static bool IsDestinationErrno(int errno) => errno is Enospc or Edquot or Erofs or Eio or Efbig;

    /// <summary>Parses the lines of rsync's stderr that report an error (those starting with "rsync:" or naming
    /// a file that vanished), in order.</summary>
    public static IReadOnlyList<RsyncErrorLine> Parse(string stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var lines = new List<RsyncErrorLine>();
        foreach (var raw in stderr.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("file has vanished:", StringComparison.Ordinal))
            {
                lines.Add(new RsyncErrorLine(RsyncSide.Sender, null, line));
                continue;
            }
            if (!line.StartsWith("rsync:", StringComparison.Ordinal) && !line.StartsWith("rsync error:", StringComparison.Ordinal)) continue;
            lines.Add(new RsyncErrorLine(SideOf(line), ErrnoOf(line), line));
        }
        return lines;
    }

    /// <summary>The first receiving-side line whose errno says the destination cannot take the data, or null.</summary>
    public static RsyncErrorLine? DestinationFailure(IReadOnlyList<RsyncErrorLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return lines.FirstOrDefault(l => l.Side == RsyncSide.Receiver && l.Errno is int e && IsDestinationErrno(e));
    }

    /// <summary>The first receiving-side error line other than rsync's closing "rsync error:" line, or null.</summary>
    public static RsyncErrorLine? ReceiverError(IReadOnlyList<RsyncErrorLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return lines.FirstOrDefault(l => l.Side == RsyncSide.Receiver && !l.Text.StartsWith("rsync error:", StringComparison.Ordinal));
    }

    /// <summary>
    /// The source files rsync's sender could not read whole (failed to open, or a read error while mapping): paths
    /// relative to <paramref name="sourceRoot"/>, the directory rsync copied from. rsync did not store what it read of
    /// them: the caller decides what the snapshot keeps instead.
    /// </summary>
    public static IReadOnlyList<string> UnreadSourceFiles(string stderr, string sourceRoot)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(sourceRoot);
        var prefix = sourceRoot.TrimEnd('/') + "/";
        var paths = new List<string>();
        foreach (var raw in stderr.Split('\n'))
        {
            var m = UnreadRegex().Match(raw.Trim());
            if (!m.Success) continue;
            var path = m.Groups["path"].Value;
            if (path.StartsWith(prefix, StringComparison.Ordinal)) path = path[prefix.Length..];
            else if (path.StartsWith('/')) continue;
            if (path.Length > 0 && !path.Split('/').Any(c => c is "" or "." or "..") && !paths.Contains(path)) paths.Add(path);
        }
        return paths;
    }

    /// <summary>What an errno means on the destination, in words for the one-line message.</summary>
    public static string DescribeDestinationErrno(int errno) => errno switch
    {
        Enospc => "the destination is full (no space or no inodes left)",
        Edquot => "the destination's disk quota is exhausted",
        Erofs => "the destination is read-only",
        Eio => "the destination reports an I/O error",
        Efbig => "the destination cannot store a file this large",
        _ => $"the destination failed (errno {errno})",
    };

    private static RsyncSide SideOf(string line)
    {
        var tag = RoleRegex().Match(line);
        if (tag.Success)
        {
            return tag.Groups["role"].Value.ToLowerInvariant() switch
            {
                "sender" => RsyncSide.Sender,
                "receiver" or "generator" => RsyncSide.Receiver,
                _ => RsyncSide.Unknown,
            };
        }
        // Untagged (rsync before 3.1): the operation tells the side.
        if (ReceiverOperationRegex().IsMatch(line)) return RsyncSide.Receiver;
        if (SenderOperationRegex().IsMatch(line)) return RsyncSide.Sender;
        return RsyncSide.Unknown;
    }

    private static int? ErrnoOf(string line)
    {
        var m = ErrnoRegex().Match(line);
        return m.Success ? int.Parse(m.Groups["errno"].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"^rsync(?: error)?:\s*\[(?<role>sender|receiver|generator|Sender|Receiver|Generator)\]|\[(?<role>sender|receiver|generator|Receiver|Sender|Generator)=[\d.]+\w*\]\s*$")]
    private static partial Regex RoleRegex();

    [GeneratedRegex(@"^rsync: (?:\[sender\] )?(?:send_files failed to open|read errors mapping) ""(?<path>[^""]+)"": ")]
    private static partial Regex UnreadRegex();

    [GeneratedRegex(@"\((?<errno>\d{1,4})\)\s*$")]
    private static partial Regex ErrnoRegex();

    [GeneratedRegex(@"^rsync: (mkstemp|write failed|recv_generator|rename|mkdir|link|symlink|chown|chmod|set_acl|rsync_xal_set|failed to set times|ftruncate|close failed on)\b")]
    private static partial Regex ReceiverOperationRegex();

    [GeneratedRegex(@"^rsync: (read errors mapping|link_stat|send_files|opendir|readlink_stat|get_xattr_names|rsync_xal_get)\b")]
    private static partial Regex SenderOperationRegex();
}
