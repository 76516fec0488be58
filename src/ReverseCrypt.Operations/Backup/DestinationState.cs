namespace ReverseCrypt.Operations.Backup;

/// <summary>What the destination holds, as one probe over ssh (or locally) found it.</summary>
public sealed record DestinationState
{
    /// <summary>DEST exists and is a directory.</summary>
    public bool Exists { get; init; }

    /// <summary>DEST exists but is not a directory.</summary>
    public bool NotADirectory { get; init; }

    /// <summary>DEST holds anything at all.</summary>
    public bool NonEmpty { get; init; }

    /// <summary>DEST/gocryptfs.conf exists: DEST is a plain (non-snapshot) copy of a view.</summary>
    public bool HasConfig { get; init; }

    /// <summary>The first entries of DEST (at most <see cref="SnapshotStore.TopEntriesListed"/>).</summary>
    public IReadOnlyList<string> TopEntries { get; init; } = [];

    /// <summary>
    /// Every listed entry of DEST is something a copy of a view holds (an encrypted name, gocryptfs.diriv,
    /// gocryptfs.conf, a long name, rsync's partial directory): DEST is an interrupted first backup, not somebody's
    /// files, and rsync --delete may run in it.
    /// </summary>
    public bool LooksLikeBackup => TopEntries.Count > 0 && TopEntries.All(IsViewEntry);

    private static bool IsViewEntry(string name) =>
        name is "gocryptfs.conf" or "gocryptfs.diriv" or RsyncArguments.LegacyPartialDir or DestinationLease.StateDirectory
        || name.StartsWith("gocryptfs.longname.", StringComparison.Ordinal)
        || (name.Length >= 22 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));

    /// <summary>The target of DEST/latest when it is a symlink.</summary>
    public string? LatestTarget { get; init; }

    /// <summary>DEST/latest exists but is not a symlink.</summary>
    public bool LatestNotALink { get; init; }

    /// <summary>Complete snapshots (names), oldest first.</summary>
    public IReadOnlyList<string> Complete { get; init; } = [];

    /// <summary>Incomplete snapshots (names without the suffix), oldest first.</summary>
    public IReadOnlyList<string> Incomplete { get; init; } = [];

    /// <summary>rsync is installed on the destination machine (always true for a local destination: checked apart).</summary>
    public bool HasRsync { get; init; } = true;

    /// <summary>The filesystem type of DEST (stat -f), when a writer probed for clones; "" otherwise.</summary>
    public string FileSystem { get; init; } = "";

    /// <summary>The btrfs tool is installed on the destination machine.</summary>
    public bool HasBtrfsTool { get; init; }

    /// <summary>A reflink copy (cp --reflink=always) worked in DEST.</summary>
    public bool CanReflink { get; init; }

    /// <summary>Incomplete snapshots that were started as a clone (rsync may update their files in place).</summary>
    public IReadOnlyList<string> ClonedIncomplete { get; init; } = [];

    /// <summary>Incomplete snapshots that were started as a hard-link copy of the previous one (marker
    /// <c>DEST/.reversecrypt/NAME.linked</c>). Such a snapshot is never resumed: most of its files are hard links to
    /// older snapshots, and rsync would change the attributes of such an inode in place (measured with rsync 3.5: a
    /// mode change of the source chmods the existing link, with or without --link-dest), so the next run removes it
    /// and starts anew from the previous snapshot.</summary>
    public IReadOnlyList<string> LinkedIncomplete { get; init; } = [];

    /// <summary>The mode <paramref name="requested"/> comes to on this destination: auto picks btrfs (btrfs with its
    /// tool), else reflink, else hardlink. Throws <see cref="BackupException"/> (Usage) when a mode is asked for that
    /// the destination cannot do.</summary>
    public SnapshotMode Resolve(SnapshotMode requested, string destination)
    {
        var btrfs = FileSystem == "btrfs" && HasBtrfsTool;
        return requested switch
        {
            SnapshotMode.Auto => btrfs ? SnapshotMode.Btrfs : CanReflink ? SnapshotMode.Reflink : SnapshotMode.Hardlink,
            SnapshotMode.Btrfs when !btrfs => throw new BackupException(BackupErrorKind.Usage,
                $"--snapshot-mode btrfs: {destination} is not on btrfs or has no btrfs tool (found '{FileSystem}')"),
            SnapshotMode.Reflink when !CanReflink => throw new BackupException(BackupErrorKind.Usage,
                $"--snapshot-mode reflink: the filesystem of {destination} ('{FileSystem}') cannot clone files"),
            _ => requested,
        };
    }

    /// <summary>The complete snapshot DEST/latest points at, when it points at one.</summary>
    public string? LatestSnapshot
    {
        get
        {
            if (LatestTarget is null) return null;
            var prefix = SnapshotName.SnapshotsDirectory + "/";
            var name = LatestTarget.StartsWith(prefix, StringComparison.Ordinal) ? LatestTarget[prefix.Length..].TrimEnd('/') : null;
            return name is not null && Complete.Contains(name) ? name : null;
        }
    }

    /// <summary>The snapshot a new one is hard-linked against: the one <c>latest</c> names, else the newest complete.</summary>
    public string? Previous => LatestSnapshot ?? (Complete.Count > 0 ? Complete[^1] : null);

    /// <summary>DEST holds snapshots (or a latest link).</summary>
    public bool HasSnapshots => Complete.Count > 0 || Incomplete.Count > 0 || LatestTarget is not null;

    /// <summary>Parses the probe's output: lines "KEY VALUE".</summary>
    public static DestinationState Parse(string probeOutput)
    {
        ArgumentNullException.ThrowIfNull(probeOutput);
        var state = new DestinationState();
        var complete = new List<string>();
        var incomplete = new List<string>();
        var top = new List<string>();
        var cloned = new List<string>();
        var linked = new List<string>();
        foreach (var rawLine in probeOutput.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0) continue;
            var key = line[..space];
            var value = line[(space + 1)..];
            state = key switch
            {
                "dest" => state with { Exists = value == "dir", NotADirectory = value == "other" },
                "nonempty" => state with { NonEmpty = value == "yes" },
                "config" => state with { HasConfig = value == "yes" },
                "latest" => state with { LatestTarget = value },
                "latest-not-a-link" => state with { LatestNotALink = true },
                "rsync" => state with { HasRsync = value == "yes" },
                "fs" => state with { FileSystem = value },
                "btrfs-tool" => state with { HasBtrfsTool = value == "yes" },
                "reflink" => state with { CanReflink = value == "yes" },
                _ => state,
            };
            if (key == "top") top.Add(value);
            if (key == "cloned" && SnapshotName.TryParse(value, out _)) cloned.Add(value);
            if (key == "linked" && SnapshotName.TryParse(value, out _)) linked.Add(value);
            if (key == "entry")
            {
                if (SnapshotName.TryParse(value, out _)) complete.Add(value);
                else if (SnapshotName.TryParseIncomplete(value, out var name)) incomplete.Add(name);
            }
        }
        complete.Sort(StringComparer.Ordinal);
        incomplete.Sort(StringComparer.Ordinal);
        return state with { Complete = complete, Incomplete = incomplete, TopEntries = top, ClonedIncomplete = cloned, LinkedIncomplete = linked };
    }
}
