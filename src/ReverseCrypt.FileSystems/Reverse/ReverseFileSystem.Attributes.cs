// Stat transformation (docs/format.md 11.1-11.3 and 18) and symlink targets (docs/format.md 9).
using ReverseCrypt.Format.Content;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

public sealed partial class ReverseFileSystem
{
    [ThreadStatic]
    private static byte[]? t_linkTarget;

    public override Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
    {
        attrTimeout = _timeout;
        attr = default;
        if (fileHandle is { } fh && _files.Get(fh) is { } file && file.Node.NodeId == nodeId
            && file.TryGetAttr(out attr, out var fileErrno))
        {
            // fstat of the open file: still right when the name changed meanwhile.
            return fileErrno;
        }
        var node = _nodes.Get(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        var result = AttrOf(node, out attr, out var birth);
        if (result == Errno.OK && ReportedState.Of(node.Kind, attr, birth) is not null)
        {
            ShowPinnedSize(nodeId, ref attr);
            _nodes.NoteReported(nodeId, ReportedState.FromAttr(attr, birth));
        }
        return result;
    }

    public override Errno Readlink(ulong nodeId, Span<byte> target, out int length)
    {
        length = 0;
        var node = _nodes.Get(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        if (node is not RealNode)
        {
            return Errno.EINVAL;    // the root and virtual files are no symlinks
        }
        var plainTarget = t_linkTarget ??= new byte[Libc.PathMax];
        int plainLength = _tree.Readlink(node, plainTarget, out var errno);
        if (plainLength < 0)
        {
            return errno;
        }
        if (!_encryptNames)
        {
            if (plainLength > target.Length)
            {
                return Errno.ENAMETOOLONG;
            }
            plainTarget.AsSpan(0, plainLength).CopyTo(target);
            length = plainLength;
            return Errno.OK;
        }
        int cipherLength = _symlinks.EncryptedTargetLength(plainLength);
        if (cipherLength > target.Length || cipherLength > FuseConstants.MaxSymlinkLength)
        {
            // docs/format.md 9: an encrypted target over 4096 characters cannot be shown.
            return Errno.ENAMETOOLONG;
        }
        length = _symlinks.EncryptTarget(plainTarget.AsSpan(0, plainLength), CipherPathOf(node), target);
        return Errno.OK;
    }

    /// <summary>The attributes of any node, freshly read from the plaintext.</summary>
    private Errno AttrOf(ReverseNode node, out FuseAttr attr) => node.GetAttr(this, out attr, out _);

    /// <summary>As <see cref="AttrOf(ReverseNode, out FuseAttr)"/>, with the birth stamp of a real object's plaintext
    /// (<see cref="ReportedState.BirthOf"/>; of the source's for virtual files, which nothing pins).</summary>
    private Errno AttrOf(ReverseNode node, out FuseAttr attr, out ulong birth)
    {
        var errno = node.GetAttr(this, out attr, out var st);
        birth = errno == Errno.OK ? ReportedState.BirthOf(st) : 0;
        return errno;
    }

    /// <summary>A real object: everything passes through except the size of files (cipher size, docs/format.md 8.4) and
    /// symlinks (length of the encrypted target); blocks are not adjusted (docs/format.md 11.1).</summary>
    internal FuseAttr RealAttr(in Libc.StatxBuffer st)
    {
        var attr = FuseMapping.FromStatx(st, _inodes.Map(st.Dev, InodeMap.TagReal, st.Ino));
        switch (st.Mode & S_IFMT)
        {
            case S_IFREG:
                attr.Size = (ulong)ContentLayout.PlainToCipherSize((long)st.Size);
                break;
            case S_IFLNK:
                attr.Size = _encryptNames ? (ulong)_symlinks.EncryptedTargetLength((int)Math.Min(st.Size, int.MaxValue / 2)) : st.Size;
                break;
        }
        return attr;
    }

    private FuseEntry EntryFor(ulong nodeId, in FuseAttr attr)
    {
        var entry = new FuseEntry { NodeId = nodeId, Attr = attr };
        entry.EntryTimeout = _timeout;
        entry.AttrTimeout = _timeout;
        return entry;
    }
}
