using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>The open config file (gocryptfs.conf, docs/format.md 3.1): its bytes and attributes as they are.</summary>
internal sealed class PassThroughFile(ReverseNode node, SafeFd fd, InodeMap inodes) : OpenFile(node)
{
    private readonly SafeFd _fd = fd;
    private readonly InodeMap _inodes = inodes;

    public override Errno Read(long offset, Span<byte> buffer, out int bytesRead)
    {
        int n = Libc.PreadFull(_fd, buffer, offset, out var errno);
        bytesRead = Math.Max(n, 0);
        return n < 0 ? errno : Errno.OK;
    }

    public override bool TryGetAttr(out FuseAttr attr, out Errno errno)
    {
        attr = default;
        errno = Libc.StatxFd(_fd, out var st);
        if (errno == Errno.OK)
        {
            attr = FuseMapping.FromStatx(st, _inodes.Map(st.Dev, InodeMap.TagReal, st.Ino));
        }
        return true;
    }

    public override void Dispose() => _fd.Dispose();
}
