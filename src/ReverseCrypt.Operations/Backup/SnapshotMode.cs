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

/// <summary>How a new snapshot started (JSON <c>snapshot_start</c>).</summary>
public enum SnapshotStart
{
    /// <summary>An empty directory (or btrfs subvolume): the first snapshot, or a hardlink run with --link-dest.</summary>
    Empty,
    /// <summary>A whole clone of the previous snapshot: a btrfs snapshot or a reflink copy of every file.</summary>
    Copy,
    /// <summary>A hard-link copy of the previous snapshot (a change-driven hardlink or reflink run) from which the
    /// paths the run sends were removed, or, in reflink mode, replaced by reflink copies of themselves.</summary>
    Linked,
    /// <summary>The interrupted snapshot of an earlier run, continued.</summary>
    Resumed,
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

    /// <summary>The name of a <see cref="SnapshotStart"/> in the summary and in JSON.</summary>
    public static string Name(this SnapshotStart start) => start switch
    {
        SnapshotStart.Empty => "empty",
        SnapshotStart.Copy => "copy",
        SnapshotStart.Linked => "linked",
        SnapshotStart.Resumed => "resumed",
        _ => throw new ArgumentOutOfRangeException(nameof(start)),
    };

    /// <summary>Does rsync update files in place in a snapshot made this way (a copy-on-write clone)?</summary>
    public static bool IsClone(this SnapshotMode mode) => mode is SnapshotMode.Reflink or SnapshotMode.Btrfs;
}
