namespace ReverseCrypt.Operations.Backup;

/// <summary>How the backup differs from what the plaintext encrypts to now.</summary>
public enum VerifyDifferenceKind
{
    /// <summary>In the view, not in the backup.</summary>
    Missing,
    /// <summary>In the backup, not in the view (deleted since, or never part of this tree).</summary>
    Extra,
    /// <summary>Different bytes (full-file checksums differ), size, or symlink target.</summary>
    Content,
    /// <summary>Same bytes, different times, permissions, owner, ACLs, xattrs or hard-link structure.</summary>
    Metadata,
}
