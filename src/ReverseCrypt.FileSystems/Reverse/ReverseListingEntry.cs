using ReverseCrypt.Fuse;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>One entry of a directory listing snapshot of the view.</summary>
internal struct ReverseListingEntry
{
    /// <summary>The name in the view ("." and ".." included).</summary>
    public byte[] ViewName;
    public ReverseNodeKind Kind;
    public byte[] PlainName;
    public byte[]? FullCipherName;
    /// <summary>d_type.</summary>
    public uint Type;
    /// <summary>Attributes of the entry in the view.</summary>
    public FuseAttr Attr;
    /// <summary>Real entries: the birth stamp of the plaintext file (<see cref="ReportedState.BirthOf"/>).</summary>
    public ulong Birth;
    /// <summary>"." or "..": listed, but no node and no lookup count.</summary>
    public bool IsDot;
}
