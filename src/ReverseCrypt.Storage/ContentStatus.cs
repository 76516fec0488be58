namespace ReverseCrypt.Storage;

/// <summary>Outcome of opening or reading an encrypted file (docs/format.md 13 step 6).</summary>
public enum ContentStatus
{
    Ok,
    /// <summary>The object is not a regular file (or is a symlink).</summary>
    NotRegular,
    /// <summary>1..18 bytes: no room for a header.</summary>
    TooShort,
    /// <summary>The header is not version 2 with a non-zero file ID.</summary>
    HeaderInvalid,
    /// <summary>A block failed authentication, has an all-zero nonce, or is truncated.</summary>
    BlockInvalid,
    /// <summary>open/pread failed.</summary>
    ReadError,
}
