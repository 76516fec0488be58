using ReverseCrypt.FileSystems.Backing;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// A node of the reverse view as the request handlers see it: one name the kernel looked up. Real objects are reached
/// through the backing chain (parent directory + plaintext name); virtual files (diriv, .name) point at the directory
/// or the long-named sibling whose attributes they borrow.
/// </summary>
/// <remarks>
/// <para>The node table keeps nodes in compact slots (<see cref="ReverseNodeTable"/>); only the root and directories have a
/// lasting object (they carry the directory's descriptor cache, IV and long-name index). For every other node a
/// short-lived object is made per request from its slot. Encrypted names and paths are derived on demand (and cached
/// on the object) by the file system, never stored in the table.</para>
/// <para>One type per kind: <see cref="RootNode"/> and <see cref="RealNode"/> (plaintext objects), and the virtual
/// <see cref="DirIvNode"/>, <see cref="LongNameFileNode"/> and <see cref="ConfigNode"/>. Each decides its own
/// attributes, OPEN, name in the view and whether it has xattrs; the table stores only the
/// <see cref="ReverseNodeKind"/> tag and <see cref="Create"/> turns it back into the type.</para>
/// </remarks>
public abstract class ReverseNode : BackingNode
{
    private byte[]? _dirIv;

    /// <summary>Creates the root node.</summary>
    private protected ReverseNode(ulong nodeId)
        : base(null, [])
    {
        NodeId = nodeId;
        FileType = FuseConstants.S_IFDIR;
        CipherNameCache = [];
        CipherPathCache = [];
    }

    /// <param name="nodeId">The FUSE node id (0 for a node made by LOOKUP before it is in the table).</param>
    /// <param name="slot">The node's slot in the table (-1 before it is in the table).</param>
    /// <param name="parent">The view directory containing the node.</param>
    /// <param name="plainName">Real: the plaintext name. LongNameFile: the long-named sibling's plaintext name.
    /// DirIv: empty. Config: the in-tree config's name, or empty for a config outside the tree.</param>
    /// <param name="fileType">The S_IFMT bits the object had when the node was created.</param>
    private protected ReverseNode(ulong nodeId, int slot, ReverseNode parent, byte[] plainName, uint fileType)
        : base(parent, plainName)
    {
        NodeId = nodeId;
        Slot = slot;
        FileType = fileType;
    }

    /// <summary>The node of a table slot as its type. The table keeps a one-byte tag per node (millions of nodes, no
    /// object each), so this switch is where the tag becomes the type; the only one over the kinds.</summary>
    internal static ReverseNode Create(ReverseNodeKind kind, ulong nodeId, int slot, ReverseNode parent, byte[] plainName,
        uint fileType) => kind switch
        {
            ReverseNodeKind.Real => new RealNode(nodeId, slot, parent, plainName, fileType),
            ReverseNodeKind.DirIv => new DirIvNode(nodeId, slot, parent),
            ReverseNodeKind.LongNameFile => new LongNameFileNode(nodeId, slot, parent, plainName),
            ReverseNodeKind.Config => new ConfigNode(nodeId, slot, parent, plainName, fileType),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "The root is never in a slot."),
        };

    public ulong NodeId { get; }

    /// <summary>The tag the node table stores for this node's type.</summary>
    public abstract ReverseNodeKind Kind { get; }

    /// <summary>The view directory containing this node (null for the root).</summary>
    public ReverseNode? ViewParent => (ReverseNode?)Parent;

    /// <summary>See the constructor.</summary>
    public byte[] PlainName => BackingName;

    /// <summary>The S_IFMT bits the object had when the node was created (the kernel's inode type is fixed).</summary>
    internal uint FileType { get; }

    /// <summary>The node's slot in the table (0 for the root).</summary>
    internal int Slot { get; }

    /// <summary>True for the root and for real directories: the nodes the kernel can look names up in.</summary>
    public virtual bool CanBeDirectory => false;

    /// <summary>True for the root and real objects: the view shows their (encrypted) extended attributes; virtual
    /// files carry none.</summary>
    internal virtual bool HasXattrs => false;

    /// <summary>True when the node stands for (or describes) a plaintext entry of its directory, so that excludes
    /// hide it: real objects and their .name files.</summary>
    internal virtual bool FollowsExcludes => false;

    /// <summary>The node's attributes in the view, freshly read from the plaintext; <paramref name="st"/>: the stat
    /// they were made from (of the object itself, or of the source a virtual file borrows them from).</summary>
    internal abstract Errno GetAttr(ReverseFileSystem fs, out FuseAttr attr, out Libc.StatxBuffer st);

    /// <summary>OPEN (read-only): the open file of this node's kind, or null with the error.</summary>
    internal abstract Errno Open(ReverseFileSystem fs, out OpenFile? file, out FuseOpenFlags openFlags);

    /// <summary>The node's name in the view (hashed for long names); the file system caches it on the node.</summary>
    internal abstract byte[] MakeCipherName(ReverseFileSystem fs);

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
