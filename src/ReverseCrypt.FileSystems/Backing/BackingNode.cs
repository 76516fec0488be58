namespace ReverseCrypt.FileSystems.Backing;

/// <summary>
/// One object of a backing directory tree, named by its parent and its name bytes in the parent (never by a path
/// string). The root has no parent and an empty name. <see cref="BackingTree"/> opens directories along this chain
/// with openat(O_NOFOLLOW) and caches their descriptors on the node.
/// </summary>
public abstract class BackingNode
{
    protected BackingNode(BackingNode? parent, byte[] backingName)
    {
        Parent = parent;
        BackingName = backingName;
    }

    /// <summary>The directory containing this object; null for the root.</summary>
    public BackingNode? Parent { get; }

    /// <summary>The object's name in <see cref="Parent"/>, as bytes (empty for the root).</summary>
    public byte[] BackingName { get; }

    public bool IsRoot => Parent is null;

    // Directory descriptor cache state, owned by BackingTree (guarded by its lock).
    internal Interop.SafeFd? CachedFd;
    internal long CachedAtMs;
    internal LinkedListNode<BackingNode>? LruEntry;
}
