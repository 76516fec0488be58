using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>An open virtual file whose content is fixed bytes computed at OPEN: gocryptfs.diriv (the directory IV,
/// docs/format.md 6) or gocryptfs.longname.*.name (the full encrypted name, docs/format.md 7.5).</summary>
internal sealed class MemoryFile(ReverseNode node, byte[] bytes) : OpenFile(node)
{
    private readonly byte[] _bytes = bytes;

    public override Errno Read(long offset, Span<byte> buffer, out int bytesRead)
    {
        bytesRead = 0;
        if (offset < _bytes.Length)
        {
            int n = (int)Math.Min(buffer.Length, _bytes.Length - offset);
            _bytes.AsSpan((int)offset, n).CopyTo(buffer);
            bytesRead = n;
        }
        return Errno.OK;
    }

    /// <summary>Nothing to fstat: the node's attributes (borrowed from its source) are the answer.</summary>
    public override bool TryGetAttr(out FuseAttr attr, out Errno errno)
    {
        attr = default;
        errno = Errno.OK;
        return false;
    }

    public override void Dispose()
    {
    }
}
