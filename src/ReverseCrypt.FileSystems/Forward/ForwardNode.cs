using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Forward;

/// <summary>
/// One object the kernel looked up in the plaintext view: its place in the encrypted tree (parent node + visible
/// cipher name) and its plaintext name. Directory nodes also cache their name IVs and, while in the LRU, an O_PATH
/// descriptor.
/// </summary>
internal sealed class ForwardNode
{
    /// <summary>The root node.</summary>
    public ForwardNode(ulong nodeId)
    {
        NodeId = nodeId;
        CipherName = [];
        PlainName = [];
        CipherPath = [];
        PlainPath = [];
        Type = CipherIo.S_IFDIR;
    }

    public ForwardNode(ulong nodeId, ForwardNode parent, byte[] cipherName, byte[] plainName, uint type)
    {
        NodeId = nodeId;
        Parent = parent;
        CipherName = cipherName;
        PlainName = plainName;
        CipherPath = BytePath.Join(parent.CipherPath, cipherName);
        PlainPath = BytePath.Join(parent.PlainPath, plainName);
        Type = type;
    }

    public ulong NodeId { get; }

    /// <summary>Null for the root.</summary>
    public ForwardNode? Parent { get; }

    /// <summary>The visible name in the parent's cipher directory (hashed for long names).</summary>
    public byte[] CipherName { get; }

    public byte[] PlainName { get; }

    public byte[] CipherPath { get; }

    public byte[] PlainPath { get; }

    /// <summary>S_IFMT of the object when it was looked up.</summary>
    public uint Type { get; }

    public bool IsRoot => Parent is null;

    public bool IsDirectory => Type == CipherIo.S_IFDIR;

    /// <summary>Kernel lookup references; guarded by the node table lock.</summary>
    public long LookupCount;

    /// <summary>Children by plaintext name, so repeated lookups give the same node; guarded by the node table lock.</summary>
    public Dictionary<byte[], ForwardNode>? Children;

    /// <summary>The directory's name IVs (read at the first use, refreshed by each opendir).</summary>
    public DirectoryIvs? Ivs;

    /// <summary>O_PATH descriptor of the directory while cached; guarded by the descriptor cache lock.</summary>
    public SafeFd? DirFd;

    /// <summary>Position in the descriptor cache's LRU list; guarded by its lock.</summary>
    public LinkedListNode<ForwardNode>? LruEntry;

    /// <summary>(ino, mtime, ctime, size) of a symlink and the length of its plaintext target; guarded by the node.</summary>
    public (ulong Ino, long MtimeSec, uint MtimeNsec, long CtimeSec, uint CtimeNsec, ulong Size, int Length)? SymlinkLength;

    /// <summary>(ino, size, mtime, ctime) at the last open, for FOPEN_KEEP_CACHE; guarded by the node.</summary>
    public (ulong Ino, ulong Size, long MtimeSec, uint MtimeNsec, long CtimeSec, uint CtimeNsec)? OpenFingerprint;

    /// <summary>True once forgotten by the kernel.</summary>
    public bool Removed;
}
