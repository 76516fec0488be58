namespace ReverseCrypt.Operations.Backup;

/// <summary>How a new snapshot starts from the previous one on the destination (<c>--snapshot-mode</c>).</summary>
public enum SnapshotMode
{
    /// <summary>Chosen by what the destination's filesystem supports: btrfs, else reflink, else hardlink.</summary>
    Auto,
    /// <summary>rsync --link-dest: unchanged files are hard links to the previous snapshot; a changed file is stored
    /// whole, as a new inode (every filesystem).</summary>
    Hardlink,
    /// <summary>The previous snapshot is copied with reflinks (<c>cp -a --reflink=always</c>: XFS, btrfs), then rsync
    /// updates changed blocks in place: a changed block costs about a block of disk.</summary>
    Reflink,
    /// <summary>Each snapshot is a btrfs subvolume; a new one is a snapshot of the previous subvolume, then rsync
    /// updates changed blocks in place.</summary>
    Btrfs,
}

/// <summary>Parsing and naming of <see cref="SnapshotMode"/>.</summary>
public static class SnapshotModes
{
    /// <summary>The name used on the command line, in the summary and in JSON.</summary>
    public static string Name(this SnapshotMode mode) => mode switch
    {
        SnapshotMode.Auto => "auto",
        SnapshotMode.Hardlink => "hardlink",
        SnapshotMode.Reflink => "reflink",
        SnapshotMode.Btrfs => "btrfs",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>Parses auto|btrfs|reflink|hardlink.</summary>
    public static bool TryParse(string? text, out SnapshotMode mode)
    {
        foreach (var candidate in Enum.GetValues<SnapshotMode>())
        {
            if (string.Equals(candidate.Name(), text, StringComparison.Ordinal))
            {
                mode = candidate;
                return true;
            }
        }
        mode = SnapshotMode.Auto;
        return false;
    }

    /// <summary>Does rsync update files in place in a snapshot made this way (a copy-on-write clone)?</summary>
    public static bool IsClone(this SnapshotMode mode) => mode is SnapshotMode.Reflink or SnapshotMode.Btrfs;
}
