namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>How an open file of the reverse view produces its bytes.</summary>
public enum ReverseFileKind
{
    /// <summary>A plaintext regular file, encrypted on the fly (docs/format.md 8).</summary>
    Content,
    /// <summary>The config file, passed through unchanged (docs/format.md 3.1).</summary>
    PassThrough,
    /// <summary>A virtual file with fixed bytes (gocryptfs.diriv, .name).</summary>
    Bytes,
}
