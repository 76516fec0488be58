using System.Globalization;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Snapshot directory names: the UTC start time as <c>yyyy-MM-ddTHHmmssZ</c> (sortable as text, no colons, so the name
/// is also valid on filesystems and in tools that dislike them). A snapshot still being written carries the suffix
/// <c>.incomplete</c>; the marker is in the name, outside the encrypted tree, so every snapshot directory stays a
/// pure gocryptfs tree.
/// </summary>
public static class SnapshotName
{
    public const string Pattern = "yyyy-MM-dd'T'HHmmss'Z'";
    public const string IncompleteSuffix = ".incomplete";

    /// <summary>The directory that holds the snapshots, below DEST.</summary>
    public const string SnapshotsDirectory = "snapshots";

    /// <summary>The symlink, below DEST, to the newest complete snapshot (target <c>snapshots/NAME</c>).</summary>
    public const string LatestLink = "latest";

    public static string Format(DateTime utc) =>
        utc.ToUniversalTime().ToString(Pattern, CultureInfo.InvariantCulture);

    public static bool TryParse(string name, out DateTime utc)
    {
        ArgumentNullException.ThrowIfNull(name);
        return DateTime.TryParseExact(name, Pattern, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc);
    }

    /// <summary>True for <c>NAME.incomplete</c> with a valid NAME; <paramref name="name"/> is then NAME.</summary>
    public static bool TryParseIncomplete(string entry, out string name)
    {
        ArgumentNullException.ThrowIfNull(entry);
        name = "";
        if (!entry.EndsWith(IncompleteSuffix, StringComparison.Ordinal)) return false;
        var stem = entry[..^IncompleteSuffix.Length];
        if (!TryParse(stem, out _)) return false;
        name = stem;
        return true;
    }

    /// <summary>The name for a run starting at <paramref name="now"/>: its UTC second, moved forward when needed so
    /// that it sorts after every existing snapshot (complete or not); a clock that went back, or two runs in the same
    /// second, never produce a name that sorts before the previous snapshot.</summary>
    public static string Next(DateTime now, IEnumerable<string> existingNames)
    {
        ArgumentNullException.ThrowIfNull(existingNames);
        var utc = now.ToUniversalTime();
        var candidate = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        foreach (var existing in existingNames)
        {
            if (TryParse(existing, out var time) && time >= candidate) candidate = time.AddSeconds(1);
        }
        return Format(candidate);
    }
}
