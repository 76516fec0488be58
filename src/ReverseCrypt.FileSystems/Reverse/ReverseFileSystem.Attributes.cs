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
        if (node.Kind != ReverseNodeKind.Real)
        {
            return Errno.EINVAL;
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
    private Errno AttrOf(ReverseNode node, out FuseAttr attr) => AttrOf(node, out attr, out _);

    /// <summary>As <see cref="AttrOf(ReverseNode, out FuseAttr)"/>, with the birth stamp of a real object's plaintext
    /// (<see cref="ReportedState.BirthOf"/>; 0 for other nodes).</summary>
    private Errno AttrOf(ReverseNode node, out FuseAttr attr, out ulong birth)
    {
        attr = default;
        birth = 0;
        Errno errno;
        Libc.StatxBuffer st;
        switch (node.Kind)
        {
            case ReverseNodeKind.Root:
                errno = _tree.Stat(node, out st);
                if (errno == Errno.OK)
                {
                    attr = FuseMapping.FromStatx(st, FuseConstants.RootNodeId);
                }
                return errno;
            case ReverseNodeKind.Real:
                errno = _tree.Stat(node, out st);
                if (errno == Errno.OK)
                {
                    attr = RealAttr(st);
                    birth = ReportedState.BirthOf(st);
                }
                return errno;
            case ReverseNodeKind.DirIv:
                errno = _tree.Stat(node.ViewParent!, out st);
                if (errno == Errno.OK)
                {
                    if ((st.Mode & S_IFMT) != S_IFDIR)
                    {
                        return Errno.ENOENT;
                    }
                    attr = DirIvAttr(st);
                }
                return errno;
            case ReverseNodeKind.LongNameFile:
                errno = _tree.StatChild(node.ViewParent!, node.PlainName, out st);
                if (errno == Errno.OK)
                {
                    attr = LongNameAttr(st, FullCipherNameOf(node)!.Length);
                }
                return errno;
            case ReverseNodeKind.Config:
                errno = StatConfig(node, out st);
                if (errno == Errno.OK)
                {
                    attr = FuseMapping.FromStatx(st, _inodes.Map(st.Dev, InodeMap.TagReal, st.Ino));
                }
                return errno;
            default:
                return Errno.EIO;
        }
    }

    private Errno StatConfig(ReverseNode node, out Libc.StatxBuffer st)
    {
        if (_externalConfigPath is null)
        {
            return _tree.Stat(node, out st);
        }
        using var fd = Backing.BackingTree.OpenPath(_externalConfigPath, Libc.OpenFlags.O_PATH, out var errno);
        if (fd is null)
        {
            st = default;
            return errno;
        }
        return Libc.StatxFd(fd.Fd, out st);
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

    /// <summary>gocryptfs.diriv: the directory's attributes with mode 0100444, size 16, nlink 1, mtime/ctime + 10 s.</summary>
    private FuseAttr DirIvAttr(in Libc.StatxBuffer dirStat)
    {
        var attr = FuseMapping.FromStatx(dirStat, _inodes.Map(dirStat.Dev, InodeMap.TagDirIv, dirStat.Ino));
        MakeVirtualFile(ref attr, Format.PathIv.Size, dirStat.Blksize);
        return attr;
    }

    /// <summary>gocryptfs.longname.*.name: the long-named object's attributes with mode 0100444, the full encrypted
    /// name's length as size, nlink 1, mtime/ctime + 10 s.</summary>
    private FuseAttr LongNameAttr(in Libc.StatxBuffer objectStat, int fullCipherNameLength)
    {
        var attr = FuseMapping.FromStatx(objectStat, _inodes.Map(objectStat.Dev, InodeMap.TagLongName, objectStat.Ino));
        MakeVirtualFile(ref attr, fullCipherNameLength, objectStat.Blksize);
        return attr;
    }

    /// <summary>Turns the source's attributes into a virtual file's; it shows the source's own block size (the
    /// larger one of directories is for listings only).</summary>
    private static void MakeVirtualFile(ref FuseAttr attr, int size, uint blksize)
    {
        attr.Mode = S_IFREG | 0x124; // 0444
        attr.Blksize = blksize;
        attr.Size = (ulong)size;
        attr.Nlink = 1;
        attr.Rdev = 0;
        attr.Mtime += VirtualFileTimeOffset;
        attr.Ctime += VirtualFileTimeOffset;
    }

    private FuseEntry EntryFor(ulong nodeId, in FuseAttr attr)
    {
        var entry = new FuseEntry { NodeId = nodeId, Attr = attr };
        entry.EntryTimeout = _timeout;
        entry.AttrTimeout = _timeout;
        return entry;
    }
}
