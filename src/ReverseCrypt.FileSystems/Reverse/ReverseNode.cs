using ReverseCrypt.FileSystems.Backing;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// A node of the reverse view as the request handlers see it: one name the kernel looked up. Real objects are reached
/// through the backing chain (parent directory + plaintext name); virtual files (diriv, .name) point at the directory
/// or the long-named sibling whose attributes they borrow.
/// </summary>
/// <remarks>
/// The node table keeps nodes in compact slots (<see cref="ReverseNodeTable"/>); only the root and directories have a
/// lasting object (they carry the directory's descriptor cache, IV and long-name index). For every other node a
/// short-lived object is made per request from its slot. Encrypted names and paths are derived on demand (and cached
/// on the object) by the file system, never stored in the table.
/// </remarks>
public sealed class ReverseNode : BackingNode
{
    private byte[]? _dirIv;

    /// <summary>Creates the root node.</summary>
    internal ReverseNode(ulong nodeId)
        : base(null, [])
    {
        NodeId = nodeId;
        Kind = ReverseNodeKind.Root;
        FileType = 0x4000;
        CipherNameCache = [];
        CipherPathCache = [];
    }

    /// <param name="nodeId">The FUSE node id.</param>
    /// <param name="slot">The node's slot in the table.</param>
    /// <param name="kind">What the node stands for.</param>
    /// <param name="parent">The view directory containing the node.</param>
    /// <param name="plainName">Real: the plaintext name. LongNameFile: the long-named sibling's plaintext name.
    /// DirIv: empty. Config: the in-tree config's name, or empty for a config outside the tree.</param>
    /// <param name="fileType">The S_IFMT bits the object had when the node was created.</param>
    internal ReverseNode(ulong nodeId, int slot, ReverseNodeKind kind, ReverseNode parent, byte[] plainName, uint fileType)
        : base(parent, plainName)
    {
        NodeId = nodeId;
        Slot = slot;
        Kind = kind;
        FileType = fileType;
    }

    public ulong NodeId { get; }

    public ReverseNodeKind Kind { get; }

    /// <summary>The view directory containing this node (null for the root).</summary>
    public ReverseNode? ViewParent => (ReverseNode?)Parent;

    /// <summary>See the constructor.</summary>
    public byte[] PlainName => BackingName;

    /// <summary>The S_IFMT bits the object had when the node was created (the kernel's inode type is fixed).</summary>
    internal uint FileType { get; }

    /// <summary>The node's slot in the table (0 for the root).</summary>
    internal int Slot { get; }

    /// <summary>True for the root and for real directories: the nodes the kernel can look names up in.</summary>
    public bool CanBeDirectory => Kind == ReverseNodeKind.Root || (Kind == ReverseNodeKind.Real && FileType == 0x4000);

    /// <summary>The name in the view (hashed for long names), once computed.</summary>
    internal byte[]? CipherNameCache;

    /// <summary>The cipher path (components joined by '/', empty for the root), once computed.</summary>
    internal byte[]? CipherPathCache;

    /// <summary>The full, unhashed encrypted name of a long-named object (or of the object a .name file describes),
    /// once computed.</summary>
    internal byte[]? FullCipherNameCache;

    /// <summary>Directories: nodes in the table whose parent this is; guarded by the table's lock.</summary>
    internal int ChildCount;

    /// <summary>Directories: the kernel forgot the node while children were still in the table; it leaves the table
    /// with its last child. Guarded by the table's lock.</summary>
    internal bool ForgetPending;

    /// <summary>True once the node left the table (forgotten).</summary>
    internal bool Removed;

    /// <summary>The directory IV (for directories: root and real), computed once from the cipher path.</summary>
    internal byte[]? DirIvCache
    {
        get => Volatile.Read(ref _dirIv);
        set => Volatile.Write(ref _dirIv, value);
    }

    /// <summary>Long names of this directory: hashed view name -> (plaintext name, full encrypted name); rebuilt by a
    /// scan on a miss. Guarded by locking this node.</summary>
    internal Dictionary<byte[], (byte[] PlainName, byte[] FullCipherName)>? LongNames;

    /// <summary>Directories: the directories the latest listing served, in order (see
    /// <see cref="ServedDirectoryOrder"/>).</summary>
    internal ServedDirectoryOrder? ServedDirectories
    {
        get => Volatile.Read(ref _servedDirectories);
        set => Volatile.Write(ref _servedDirectories, value);
    }

    private ServedDirectoryOrder? _servedDirectories;

    public override string ToString() => $"node {NodeId} ({Kind})";
}
