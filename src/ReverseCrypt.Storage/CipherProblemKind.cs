namespace ReverseCrypt.Storage;

/// <summary>What is wrong with one object of an encrypted tree (docs/format.md section 13).</summary>
public enum CipherProblemKind
{
    /// <summary>A directory has no gocryptfs.diriv (names were decrypted with the path-derived IV if possible).</summary>
    DirIvMissing,
    /// <summary>gocryptfs.diriv is not a regular file of exactly 16 non-zero bytes.</summary>
    DirIvInvalid,
    /// <summary>gocryptfs.diriv is readable but names only decrypt with the path-derived IV (stale or altered).</summary>
    DirIvStale,
    /// <summary>A directory entry whose name does not decrypt (not base64, bad padding, invalid plaintext name).</summary>
    NameUndecryptable,
    /// <summary>A name that decrypts but that gocryptfs would never list this way (e.g. a long name not hashed), so a
    /// lookup by name could not find it.</summary>
    NameNotCanonical,
    /// <summary>Two entries of one directory decrypt to the same plaintext name; the later one is left out.</summary>
    DuplicateName,
    /// <summary>gocryptfs.longname.X has no gocryptfs.longname.X.name.</summary>
    LongNameFileMissing,
    /// <summary>gocryptfs.longname.X.name is not a regular file of 1..344 bytes.</summary>
    LongNameFileInvalid,
    /// <summary>gocryptfs.longname.X.name does not hash to X (altered or swapped).</summary>
    LongNameHashMismatch,
    /// <summary>gocryptfs.longname.X.name without an entry gocryptfs.longname.X (harmless leftover).</summary>
    LongNameOrphan,
    /// <summary>A file of 1..18 bytes: too short for a header (a truncated file).</summary>
    FileTooShort,
    /// <summary>The 18-byte header is not version 2 with a non-zero file ID (e.g. zeroed).</summary>
    HeaderInvalid,
    /// <summary>A content block fails authentication, is truncated, or has an all-zero nonce.</summary>
    BlockInvalid,
    /// <summary>A symlink target that does not decode or authenticate.</summary>
    SymlinkInvalid,
    /// <summary>An xattr "user.gocryptfs.*" whose name does not decrypt.</summary>
    XattrNameInvalid,
    /// <summary>An xattr value that does not authenticate.</summary>
    XattrValueInvalid,
    /// <summary>An object of an unexpected type (a directory named gocryptfs.diriv, a FIFO as a .name file...).</summary>
    UnexpectedType,
    /// <summary>A read or open failed with an I/O or permission error.</summary>
    ReadError,
    /// <summary>A plaintext path that does not exist in the encrypted tree.</summary>
    NotFound,
}
