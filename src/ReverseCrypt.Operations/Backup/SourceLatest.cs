namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// <c>--source-latest DIR</c>: the newest of the local snapshots in DIR, i.e. the last subdirectory in name order
/// with runs of digits compared as numbers ("2025-06-01", "daily-9" &lt; "daily-10", "@GMT-2025.06.01-02.00.00").
/// Names are used, not times: a snapshot directory keeps the mtime of the tree it copies. Hidden entries (".name")
/// and anything that is not a directory are skipped; symlinks to directories count.
/// </summary>
public static class SourceLatest
{
    public static string Find(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new BackupException(BackupErrorKind.BadSource, $"--source-latest {directory}: no such directory");
        string[] candidates;
        try
        {
            candidates = [.. Directory.EnumerateDirectories(directory).Where(d => !Path.GetFileName(d).StartsWith('.'))];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupErrorKind.BadSource, $"--source-latest {directory}: cannot list it: {e.Message}", e);
        }
        if (candidates.Length == 0)
            throw new BackupException(BackupErrorKind.BadSource, $"--source-latest {directory}: it has no subdirectory");
        return candidates.Max(NaturalComparer.Instance)!;
    }

    /// <summary>Orders names with runs of ASCII digits compared by value, everything else ordinally.</summary>
    public sealed class NaturalComparer : IComparer<string>
    {
        public static NaturalComparer Instance { get; } = new();

        public int Compare(string? x, string? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            int i = 0, j = 0;
            while (i < x.Length && j < y.Length)
            {
                if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
                {
                    int si = i, sj = j;
                    while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
                    while (j < y.Length && char.IsAsciiDigit(y[j])) j++;
                    var a = x[si..i].TrimStart('0');
                    var b = y[sj..j].TrimStart('0');
                    if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
                    var c = string.CompareOrdinal(a, b);
                    if (c != 0) return c;
                    continue;
                }
                if (x[i] != y[j]) return x[i].CompareTo(y[j]);
                i++;
                j++;
            }
            var rest = (x.Length - i).CompareTo(y.Length - j);
            return rest != 0 ? rest : string.CompareOrdinal(x, y);
        }
    }
}
