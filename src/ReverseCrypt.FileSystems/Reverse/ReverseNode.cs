using ReverseCrypt.FileSystems.Backing;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// A node of the reverse view: one name the kernel looked up. Real objects are reached through the backing chain
/// (parent directory + plaintext name); virtual files (diriv, .name) point at the directory or the long-named
/// sibling whose attributes they borrow. Immutable except for the lookup count and the open fingerprint.
/// </summary>
public sealed class ReverseNode : BackingNode
{
    private byte[]? _dirIv;
    private Dictionary<byte[], ReverseNode>? _children;

    /// <summary>Creates the root node.</summary>
    internal ReverseNode(ulong nodeId)
        : base(null, [])
    {
        NodeId = nodeId;
        Kind = ReverseNodeKind.Root;
        FileType = 0x4000;
        CipherName = [];
        CipherPath = [];
        PlainName = [];
    }

    /// <param name="nodeId">The FUSE node id.</param>
    /// <param name="kind">What the node stands for.</param>
    /// <param name="parent">The view directory containing the node.</param>
    /// <param name="plainName">Real: the plaintext name. LongNameFile: the long-named sibling's plaintext name.
    /// DirIv: empty. Config: the in-tree config's name, or empty for a config outside the tree.</param>
    /// <param name="cipherName">The name in the view.</param>
    /// <param name="cipherPath">The view path (FORMAT.md 1), input of the path IVs.</param>
    /// <param name="fullCipherName">For a hashed long name and its .name file: the full encrypted name.</param>
    internal ReverseNode(ulong nodeId, ReverseNodeKind kind, ReverseNode parent, byte[] plainName, byte[] cipherName,
        byte[] cipherPath, byte[]? fullCipherName)
        : base(parent, plainName)
    {
        NodeId = nodeId;
        Kind = kind;
        ViewParent = parent;
        PlainName = plainName;
        CipherName = cipherName;
        CipherPath = cipherPath;
        FullCipherName = fullCipherName;
    }

    public ulong NodeId { get; }

    public ReverseNodeKind Kind { get; }

    /// <summary>The view directory containing this node (null for the root).</summary>
    public ReverseNode? ViewParent { get; }

    /// <summary>See the constructor.</summary>
    public byte[] PlainName { get; }

    /// <summary>The name in the view (hashed for long names).</summary>
    public byte[] CipherName { get; }

    /// <summary>The cipher path: components joined by '/', the root is empty.</summary>
    public byte[] CipherPath { get; }

    /// <summary>The full, unhashed encrypted name of a long-named object (or of the object a .name file describes).</summary>
    public byte[]? FullCipherName { get; }

    /// <summary>The S_IFMT bits the object had when the node was created (the kernel's inode type is fixed).</summary>
    internal uint FileType { get; init; }

    /// <summary>Kernel lookup references; guarded by the node table's lock.</summary>
    internal long LookupCount;

    /// <summary>(ino, size, mtime, ctime) at the last open, for FOPEN_KEEP_CACHE; guarded by the node itself.</summary>
    internal (ulong Ino, ulong Size, long MtimeSec, uint MtimeNsec, long CtimeSec, uint CtimeNsec)? OpenFingerprint;

    /// <summary>True once the node left the table (forgotten).</summary>
    internal bool Removed;

    /// <summary>The directory IV (for directories: root and real), computed once from the cipher path.</summary>
    internal byte[]? DirIvCache
    {
        get => Volatile.Read(ref _dirIv);
        set => Volatile.Write(ref _dirIv, value);
    }

    /// <summary>Long names of this directory: hashed view name -> (plaintext name, full encrypted name); rebuilt by a
    /// scan on a miss. Guarded by locking the dictionary's owner (this node).</summary>
    internal Dictionary<byte[], (byte[] PlainName, byte[] FullCipherName)>? LongNames;

    /// <summary>Child nodes by view name; guarded by the node table's lock.</summary>
    internal Dictionary<byte[], ReverseNode> Children => _children ??= new(ByteStringComparer.Instance);

    internal bool HasChildren => _children is { Count: > 0 };

    /// <summary>True for nodes whose backing object is a directory that may hold children in the view.</summary>
    public bool CanBeDirectory => Kind is ReverseNodeKind.Root or ReverseNodeKind.Real;

    public override string ToString() => $"node {NodeId} ({Kind})";
}
