using System.Collections.Concurrent;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// The nodes the kernel knows, by node id, with their lookup counts (FUSE: +1 per lookup or accepted
/// READDIRPLUS entry, -n per FORGET). A directory's children are indexed by view name so that the same name always
/// maps to the same node while the kernel holds it. Node ids are never reused within a mount.
/// </summary>
internal sealed class ReverseNodeTable
{
    private readonly object _lock = new();
    private readonly ConcurrentDictionary<ulong, ReverseNode> _byId = new();
    private ulong _nextId = Fuse.FuseConstants.RootNodeId + 1;

    public ReverseNodeTable()
    {
        Root = new ReverseNode(Fuse.FuseConstants.RootNodeId);
        _byId[Root.NodeId] = Root;
    }

    public ReverseNode Root { get; }

    public int Count => _byId.Count;

    /// <summary>The node with this id, or null (never looked up, or forgotten).</summary>
    public ReverseNode? Get(ulong nodeId) => _byId.TryGetValue(nodeId, out var node) ? node : null;

    /// <summary>The child of <paramref name="parent"/> with view name <paramref name="cipherName"/>, if the kernel holds one.</summary>
    public ReverseNode? FindChild(ReverseNode parent, ReadOnlySpan<byte> cipherName)
    {
        lock (_lock)
        {
            if (!parent.HasChildren)
            {
                return null;
            }
            var lookup = parent.Children.GetAlternateLookup<ReadOnlySpan<byte>>();
            return lookup.TryGetValue(cipherName, out var child) ? child : null;
        }
    }

    /// <summary>
    /// Finds or creates the child of <paramref name="parent"/> named <paramref name="cipherName"/> and adds one lookup
    /// reference. An existing node is reused only if it stands for the same object (kind and plaintext name) with the
    /// same file type (<paramref name="fileType"/>, S_IFMT bits): a file replaced by a directory gets a new node id,
    /// as the kernel expects.
    /// </summary>
    public ReverseNode AddLookup(ReverseNode parent, ReverseNodeKind kind, ReadOnlySpan<byte> cipherName,
        ReadOnlySpan<byte> plainName, ReadOnlySpan<byte> fullCipherName, uint fileType)
    {
        lock (_lock)
        {
            if (TryAddToExisting(parent, kind, cipherName, plainName, fileType) is { } existing)
            {
                return existing;
            }
            return AddNew(parent, kind, cipherName.ToArray(), plainName.ToArray(),
                fullCipherName.IsEmpty ? null : fullCipherName.ToArray(), fileType);
        }
    }

    /// <summary><see cref="AddLookup(ReverseNode, ReverseNodeKind, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, uint)"/>
    /// for arrays the caller hands over (no copies; the arrays must not change afterwards).</summary>
    public ReverseNode AddLookup(ReverseNode parent, ReverseNodeKind kind, byte[] cipherName, byte[] plainName,
        byte[]? fullCipherName, uint fileType)
    {
        lock (_lock)
        {
            return TryAddToExisting(parent, kind, cipherName, plainName, fileType)
                ?? AddNew(parent, kind, cipherName, plainName, fullCipherName, fileType);
        }
    }

    // Caller holds _lock.
    private static ReverseNode? TryAddToExisting(ReverseNode parent, ReverseNodeKind kind, ReadOnlySpan<byte> cipherName,
        ReadOnlySpan<byte> plainName, uint fileType)
    {
        if (parent.HasChildren
            && parent.Children.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(cipherName, out var existing)
            && existing.Kind == kind && existing.FileType == fileType && existing.PlainName.AsSpan().SequenceEqual(plainName))
        {
            existing.LookupCount++;
            return existing;
        }
        return null;
    }

    // Caller holds _lock.
    private ReverseNode AddNew(ReverseNode parent, ReverseNodeKind kind, byte[] cipherName, byte[] plainName, byte[]? fullCipherName,
        uint fileType)
    {
        var node = new ReverseNode(_nextId++, kind, parent, plainName, cipherName, JoinPath(parent.CipherPath, cipherName),
            fullCipherName)
        {
            LookupCount = 1,
            FileType = fileType,
        };
        // A node previously under this name (a different object now) stays reachable by id until forgotten.
        parent.Children[cipherName] = node;
        _byId[node.NodeId] = node;
        return node;
    }

    /// <summary>Drops <paramref name="nlookup"/> references; returns the node if it left the table.</summary>
    public ReverseNode? Forget(ulong nodeId, ulong nlookup)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(nodeId, out var node) || node.Kind == ReverseNodeKind.Root)
            {
                return null;
            }
            node.LookupCount -= (long)Math.Min(nlookup, long.MaxValue);
            if (node.LookupCount > 0)
            {
                return null;
            }
            _byId.TryRemove(nodeId, out _);
            node.Removed = true;
            var parent = node.ViewParent!;
            if (parent.Children.TryGetValue(node.CipherName, out var current) && ReferenceEquals(current, node))
            {
                parent.Children.Remove(node.CipherName);
            }
            return node;
        }
    }

    /// <summary>Cipher path of a child: parent path + "/" + name (the root's children: just the name).</summary>
    public static byte[] JoinPath(ReadOnlySpan<byte> parentCipherPath, ReadOnlySpan<byte> cipherName)
    {
        if (parentCipherPath.IsEmpty)
        {
            return cipherName.ToArray();
        }
        var path = new byte[parentCipherPath.Length + 1 + cipherName.Length];
        parentCipherPath.CopyTo(path);
        path[parentCipherPath.Length] = (byte)'/';
        cipherName.CopyTo(path.AsSpan(parentCipherPath.Length + 1));
        return path;
    }
}
