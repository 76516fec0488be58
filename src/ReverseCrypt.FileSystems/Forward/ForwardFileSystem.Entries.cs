using ReverseCrypt.Format.Content;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Forward;

public sealed partial class ForwardFileSystem
{
    public override Errno Lookup(ulong parentNodeId, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        entry = default;
        var parent = GetNode(parentNodeId);
        if (parent is null)
        {
            return Errno.ENOENT;
        }
        if (!parent.IsDirectory)
        {
            return Errno.ENOTDIR;
        }
        var errno = AcquireDir(parent, out var lease);
        if (errno != Errno.OK)
        {
            return errno;
        }
        using (lease)
        {
            var ivs = parent.Ivs ??= DirectoryIvs.Read(lease.Dir, parent.CipherPath, _tree.Options);
            Span<byte> cipherName = stackalloc byte[CipherTree.MaxVisibleNameLength];
            errno = _tree.Resolve(lease.Dir, parent.CipherPath, ivs, name, cipherName, out int length, out var stat);
            if (errno != Errno.OK)
            {
                return errno is Errno.EINVAL ? Errno.ENOENT : errno;
            }
            if (_tree.IsSpecialName(parent.CipherPath, cipherName[..length]))
            {
                return Errno.ENOENT;
            }
            var node = GetOrAddChild(parent, cipherName[..length].ToArray(), name.ToArray(), stat.FileType, addLookup: true);
            entry = ToEntry(node, lease.Dir, stat);
            return Errno.OK;
        }
    }

    public override Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
    {
        attr = default;
        attrTimeout = Timeout;
        var node = GetNode(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        if (node.IsRoot)
        {
            var rootErrno = _rootPathFd is not null ? Libc.StatxFd(_rootPathFd, out var rootStat) : _tree.Root.StatSelf(out rootStat);
            if (rootErrno == Errno.OK)
            {
                attr = ToAttr(node, null, rootStat);
            }
            return rootErrno;
        }
        var errno = AcquireParent(node, out var lease);
        if (errno != Errno.OK)
        {
            return errno;
        }
        using (lease)
        {
            errno = lease.Dir.Stat(node.CipherName, out var stat);
            if (errno != Errno.OK)
            {
                return errno;
            }
            if (stat.FileType != node.Type)
            {
                return Errno.ESTALE; // replaced by another kind of object
            }
            attr = ToAttr(node, lease.Dir, stat);
            return Errno.OK;
        }
    }

    public override Errno Readlink(ulong nodeId, Span<byte> target, out int length)
    {
        length = 0;
        var node = GetNode(nodeId);
        if (node is null || node.IsRoot)
        {
            return Errno.ENOENT;
        }
        if (node.Type != CipherIo.S_IFLNK)
        {
            return Errno.EINVAL;
        }
        var errno = AcquireParent(node, out var lease);
        if (errno != Errno.OK)
        {
            return errno;
        }
        using (lease)
        {
            Span<byte> plainTarget = stackalloc byte[CipherTree.MaxTargetLength];
            errno = _tree.ReadSymlink(lease.Dir, node.CipherName, plainTarget, out int plainLength);
            if (errno == Errno.EINVAL)
            {
                LogDamage(node.CipherPath, node.PlainPath, "the symlink target does not decrypt");
                return Errno.EIO;
            }
            if (errno != Errno.OK)
            {
                return errno;
            }
            if (plainLength > target.Length)
            {
                return Errno.ENAMETOOLONG;
            }
            plainTarget[..plainLength].CopyTo(target);
            length = plainLength;
            return Errno.OK;
        }
    }

    public override Errno Statfs(ulong nodeId, out FuseStatfs statfs)
    {
        statfs = default;
        if (_rootPathFd is null)
        {
            // A store (SFTP v3) has no statfs: report an empty filesystem with the usual limits.
            statfs = FuseMapping.FromStatfs(new Libc.StatfsBuffer { Bsize = 4096, Frsize = 4096, Namelen = 255 });
            return Errno.OK;
        }
        var statfsErrno = Libc.FstatfsFd(_rootPathFd, out var fs);
        if (statfsErrno != Errno.OK)
        {
            return statfsErrno;
        }
        statfs = FuseMapping.FromStatfs(fs);
        return Errno.OK;
    }

    /// <summary>Permission check from the shown mode bits (used only without default_permissions).</summary>
    public override Errno Access(ulong nodeId, int mask)
    {
        const int W_OK = 2;
        var errno = Getattr(nodeId, null, out var attr, out _);
        if (errno != Errno.OK)
        {
            return errno;
        }
        if ((mask & W_OK) != 0)
        {
            return Errno.EROFS;
        }
        return FuseMapping.CheckMode(attr, mask);
    }

    private FuseEntry ToEntry(ForwardNode node, CipherDir? parent, in Libc.StatxBuffer stat)
    {
        var entry = new FuseEntry
        {
            NodeId = node.NodeId,
            Attr = ToAttr(node, parent, stat),
            EntryTimeout = Timeout,
            AttrTimeout = Timeout,
        };
        return entry;
    }

    /// <summary>The plaintext view of a cipher object's attributes: sizes translated (docs/format.md 8.4, 9), all other
    /// metadata passed through, the cipher inode number shown (so hard links share it).</summary>
    private FuseAttr ToAttr(ForwardNode node, CipherDir? parent, in Libc.StatxBuffer stat)
    {
        ulong size = stat.Size;
        switch (stat.FileType)
        {
            case CipherIo.S_IFREG:
                size = (ulong)ContentLayout.CipherToPlainSize((long)stat.Size);
                break;
            case CipherIo.S_IFLNK when parent is { } parentDir:
                size = (ulong)SymlinkLength(node, parentDir, stat);
                break;
        }
        var attr = FuseMapping.FromStatx(stat, MapIno(stat));
        attr.Size = size;
        attr.Rdev = stat.FileType is CipherIo.S_IFCHR or CipherIo.S_IFBLK ? attr.Rdev : 0;   // only devices show st_rdev
        return attr;
    }

    /// <summary>st_size of a symlink = length of its plaintext target (decrypted once per change of the link).</summary>
    private int SymlinkLength(ForwardNode node, CipherDir parent, in Libc.StatxBuffer stat)
    {
        var fingerprint = (stat.Ino, stat.Mtime.Sec, stat.Mtime.Nsec, stat.Ctime.Sec, stat.Ctime.Nsec, stat.Size);
        lock (node)
        {
            if (node.SymlinkLength is { } cached
                && (cached.Ino, cached.MtimeSec, cached.MtimeNsec, cached.CtimeSec, cached.CtimeNsec, cached.Size) == fingerprint)
            {
                return cached.Length;
            }
        }
        Span<byte> target = stackalloc byte[CipherTree.MaxTargetLength];
        var errno = _tree.ReadSymlink(parent, node.CipherName, target, out int length);
        if (errno != Errno.OK)
        {
            return (int)Math.Min(stat.Size, int.MaxValue); // readlink will report the damage
        }
        lock (node)
        {
            node.SymlinkLength = (stat.Ino, stat.Mtime.Sec, stat.Mtime.Nsec, stat.Ctime.Sec, stat.Ctime.Nsec, stat.Size, length);
        }
        return length;
    }
}
