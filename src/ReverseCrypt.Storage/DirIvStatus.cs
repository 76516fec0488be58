namespace ReverseCrypt.Storage;

/// <summary>State of a directory's gocryptfs.diriv (docs/format.md 13 step 2).</summary>
public enum DirIvStatus
{
    /// <summary>Exactly 16 non-zero bytes in a regular file.</summary>
    Ok,
    /// <summary>The tree has no per-directory IVs (no DirIV flag, or PlaintextNames).</summary>
    NotUsed,
    /// <summary>No gocryptfs.diriv in the directory.</summary>
    Missing,
    /// <summary>Not 16 bytes, all zero, or not a regular file.</summary>
    Invalid,
    /// <summary>Could not be read (permission, I/O error).</summary>
    Unreadable,
}
