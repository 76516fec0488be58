using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.TestServer;

/// <summary>
/// The server of the FUSE tests and of bench/fuse/run.sh (the teaching sample samples/HelloFs serves a smaller tree of
/// the same kind): a read-only filesystem of generated content: /hello.txt (with an xattr), /big (size chosen at
/// start, byte at offset o is o % 251), /link -> hello.txt, and /many/ with N small files. Without <c>xattrs</c> it
/// answers GETXATTR/LISTXATTR with ENOSYS, which the kernel remembers for the whole mount. The tree never changes, so
/// node ids are fixed and lookup counts need no bookkeeping (Forget has nothing to release).
/// </summary>
public class TestServerFileSystem(long bigSize, int manyEntries, TimeSpan timeout, FuseOpenFlags fileOpenFlags,
    bool xattrs = true) : FuseFileSystemBase
{
    private const ulong Hello = 2, Big = 3, Link = 4, Many = 5, FirstManyChild = 1000;
    private static readonly byte[] s_hello = "Hello from a managed FUSE server!\n"u8.ToArray();
    private static readonly byte[] s_pattern = Enumerable.Range(0, (1 << 20) + 251).Select(i => (byte)(i % 251)).ToArray();
    private static readonly (byte[] Name, ulong Node)[] s_root =
        [("hello.txt"u8.ToArray(), Hello), ("big"u8.ToArray(), Big), ("link"u8.ToArray(), Link), ("many"u8.ToArray(), Many)];

    /// <summary>"f000042\n" for child 42 of /many (the name is the first 7 bytes, the content all 8).</summary>
    private static ReadOnlySpan<byte> ManyName(ulong node, Span<byte> buffer)
    {
        buffer[0] = (byte)'f';
        (node - FirstManyChild).TryFormat(buffer[1..], out _, "D6");
        buffer[7] = (byte)'\n';
        return buffer[..8];
    }

    private bool IsManyChild(ulong node) => node >= FirstManyChild && node < FirstManyChild + (ulong)manyEntries;

    public override Errno Lookup(ulong parentNodeId, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        entry = default;
        ulong node = 0;
        if (parentNodeId == FuseConstants.RootNodeId)
        {
            foreach (var (childName, childNode) in s_root)
            {
                node = name.SequenceEqual(childName) ? childNode : node;
            }
        }
        else if (parentNodeId == Many && name.Length == 7 && name[0] == 'f'
            && !name[1..].ContainsAnyExceptInRange((byte)'0', (byte)'9') && int.Parse(name[1..]) < manyEntries)
        {
            node = FirstManyChild + (ulong)int.Parse(name[1..]);
        }
        if (node == 0)
        {
            return Errno.ENOENT;
        }
        Fill(node, ref entry);
        return Errno.OK;
    }

    public override Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
    {
        FuseEntry entry = default;
        attrTimeout = timeout;
        attr = Fill(nodeId, ref entry) ? entry.Attr : default;
        return entry.NodeId == 0 ? Errno.ENOENT : Errno.OK;
    }

    private bool Fill(ulong node, ref FuseEntry entry)
    {
        (uint mode, ulong size) = node switch
        {
            FuseConstants.RootNodeId or Many => (FuseConstants.S_IFDIR | 0x1ED, 4096UL),     // 0755
            Hello => (FuseConstants.S_IFREG | 0x1A4, (ulong)s_hello.Length),                // 0644
            Big => (FuseConstants.S_IFREG | 0x1A4, (ulong)bigSize),
            Link => (FuseConstants.S_IFLNK | 0x1FF, 9UL),                                   // 0777
            _ when IsManyChild(node) => (FuseConstants.S_IFREG | 0x1A4, 8UL),
            _ => (0u, 0UL),
        };
        if (mode == 0)
        {
            return false;
        }
        entry.NodeId = node;
        entry.EntryTimeout = timeout;
        entry.AttrTimeout = timeout;
        entry.Attr = new FuseAttr
        {
            Ino = node,
            Mode = mode,
            Size = size,
            Blocks = (size + 511) / 512,
            Nlink = (mode & FuseConstants.S_IFDIR) != 0 ? 2u : 1u,
            Mtime = 1_700_000_000,
            Atime = 1_700_000_000,
            Ctime = 1_700_000_000,
            Blksize = 4096,
        };
        return true;
    }

    public override Errno Open(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        fileHandle = 0;
        openFlags = fileOpenFlags;
        return nodeId is Hello or Big || IsManyChild(nodeId) ? Errno.OK : Errno.EISDIR;
    }

    public override Errno Read(ulong nodeId, ulong fileHandle, long offset, Span<byte> buffer, out int bytesRead)
    {
        Span<byte> small = stackalloc byte[8];
        ReadOnlySpan<byte> content = nodeId switch
        {
            Hello => s_hello,
            Big => offset >= bigSize ? default : s_pattern.AsSpan((int)(offset % 251), (int)Math.Min(buffer.Length, bigSize - offset)),
            _ => IsManyChild(nodeId) ? ManyName(nodeId, small) : default,
        };
        if (nodeId != Big)
        {
            content = offset >= content.Length ? default : content[(int)offset..];
        }
        bytesRead = Math.Min(content.Length, buffer.Length);
        content[..bytesRead].CopyTo(buffer);
        return Errno.OK;
    }

    public override Errno Readlink(ulong nodeId, Span<byte> target, out int length)
    {
        "hello.txt"u8.CopyTo(target);
        length = nodeId == Link ? 9 : 0;
        return nodeId == Link ? Errno.OK : Errno.EINVAL;
    }

    public override Errno Opendir(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        (fileHandle, openFlags) = (0, FuseOpenFlags.None);
        return nodeId is FuseConstants.RootNodeId or Many ? Errno.OK : Errno.ENOTDIR;
    }

    public override Errno Readdir(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) =>
        Readdirplus(nodeId, fileHandle, offset, ref writer);

    public override Errno Readdirplus(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer)
    {
        int count = nodeId == Many ? manyEntries : s_root.Length;
        Span<byte> buffer = stackalloc byte[8];
        for (long i = offset; i < count; i++)
        {
            ulong node = nodeId == Many ? FirstManyChild + (ulong)i : s_root[i].Node;
            ReadOnlySpan<byte> name = nodeId == Many ? ManyName(node, buffer)[..7] : s_root[i].Name;
            FuseEntry entry = default;
            Fill(node, ref entry);
            bool added = writer.IsPlus ? writer.TryAddPlus(name, entry, i + 1)
                : writer.TryAdd(name, node, FuseConstants.DirentTypeOf(entry.Attr.Mode), i + 1);
            if (!added)
            {
                break;
            }
        }
        return Errno.OK;
    }

    public override Errno Releasedir(ulong nodeId, ulong fileHandle, int flags) => Errno.OK;

    public override Errno Release(ulong nodeId, ulong fileHandle, int flags) => Errno.OK;

    public override Errno Flush(ulong nodeId, ulong fileHandle, ulong lockOwner) => Errno.OK;

    public override Errno Statfs(ulong nodeId, out FuseStatfs statfs)
    {
        statfs = new FuseStatfs { Blocks = (ulong)(bigSize / 4096) + 1, Bsize = 4096, Frsize = 4096, Namelen = 255, Files = 5 };
        return Errno.OK;
    }

    public override Errno Getxattr(ulong nodeId, ReadOnlySpan<byte> name, Span<byte> value, out int length)
    {
        length = 2;
        if (!xattrs)
        {
            return Errno.ENOSYS; // the kernel stops asking for the rest of the mount
        }
        if (nodeId != Hello || !name.SequenceEqual("user.greeting"u8))
        {
            return Errno.ENODATA;
        }
        return value.IsEmpty ? Errno.OK : "hi"u8.TryCopyTo(value) ? Errno.OK : Errno.ERANGE;
    }

    public override Errno Listxattr(ulong nodeId, Span<byte> list, out int length)
    {
        if (!xattrs)
        {
            length = 0;
            return Errno.ENOSYS;
        }
        ReadOnlySpan<byte> names = nodeId == Hello ? "user.greeting\0"u8 : default;
        length = names.Length;
        return list.IsEmpty || names.TryCopyTo(list) ? Errno.OK : Errno.ERANGE;
    }
}
