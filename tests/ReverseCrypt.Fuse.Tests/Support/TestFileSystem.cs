using System.Collections.Concurrent;
using System.Text;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// A fixed read-only tree served in-process for the protocol and mount tests. It keeps real lookup counts
/// (Lookup +1, each accepted READDIRPLUS entry +1, Forget -n), so the tests can check the accounting contract.
/// </summary>
/// <remarks>
/// /hello.txt  "hello world\n", xattrs user.color=blue and user.empty=""
/// /big.bin    <see cref="BigSize"/> bytes of <see cref="ContentByte"/>, opened with keep-cache
/// /direct.bin the same content, opened with direct I/O
/// /link       symlink to hello.txt
/// /dir/nested.txt "nested\n"
/// /many/      <see cref="ManyCount"/> files e00000..., each containing its own name and a newline
/// /throws     a file whose Read throws (the session must answer EIO and keep running)
/// </remarks>
internal sealed class TestFileSystem : FuseFileSystemBase
{
    public const ulong Root = 1, Hello = 2, Big = 3, Direct = 4, Link = 5, Dir = 6, Nested = 7, Many = 8, Throws = 9;
    public const ulong FirstManyChild = 1000;
    public const int ManyCount = 2000;
    public const long BigSize = 8 * 1024 * 1024 + 123;
    public static readonly byte[] HelloContent = "hello world\n"u8.ToArray();
    public static readonly byte[] NestedContent = "nested\n"u8.ToArray();
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    public const long Mtime = 1_234_567_890;
    public const uint MtimeNsec = 123_456_789;

    private static readonly (string Name, ulong Node)[] s_rootChildren =
        [("hello.txt", Hello), ("big.bin", Big), ("direct.bin", Direct), ("link", Link), ("dir", Dir), ("many", Many), ("throws", Throws)];

    private readonly ConcurrentDictionary<ulong, long> _lookups = new();
    private long _opens;
    private long _releases;
    private long _directReads;

    public FuseConnectionInfo? Connection { get; private set; }

    public bool Destroyed { get; private set; }

    public long OpenCount => Interlocked.Read(ref _opens);

    public long ReleaseCount => Interlocked.Read(ref _releases);

    /// <summary>READ requests that reached the filesystem for /direct.bin.</summary>
    public long DirectReadCount => Interlocked.Read(ref _directReads);

    /// <summary>The content byte at <paramref name="offset"/> of big.bin and direct.bin.</summary>
    public static byte ContentByte(long offset) => (byte)((offset * 7) ^ (offset >> 12));

    public static byte[] ManyName(int index) => Encoding.ASCII.GetBytes($"e{index:D5}");

    public long LookupCount(ulong node) => _lookups.TryGetValue(node, out long count) ? count : 0;

    public long TotalLookupCount => _lookups.Values.Sum();

    public override Errno Init(FuseConnectionInfo connection)
    {
        Connection = connection;
        return Errno.OK;
    }

    public override void Destroy() => Destroyed = true;

    public override Errno Lookup(ulong parentNodeId, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        entry = default;
        ulong node = Find(parentNodeId, name);
        if (node == 0)
        {
            return Errno.ENOENT;
        }
        FillEntry(node, ref entry);
        _lookups.AddOrUpdate(node, 1, (_, n) => n + 1);
        return Errno.OK;
    }

    public override void Forget(ulong nodeId, ulong nlookup) =>
        _lookups.AddOrUpdate(nodeId, -(long)nlookup, (_, n) => n - (long)nlookup);

    public override Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
    {
        attrTimeout = Timeout;
        attr = default;
        return FillAttr(nodeId, ref attr) ? Errno.OK : Errno.ENOENT;
    }

    public override Errno Readlink(ulong nodeId, Span<byte> target, out int length)
    {
        length = 0;
        if (nodeId != Link)
        {
            return Errno.EINVAL;
        }
        "hello.txt"u8.CopyTo(target);
        length = 9;
        return Errno.OK;
    }

    public override Errno Open(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        fileHandle = 0x1000 + nodeId;
        openFlags = nodeId switch
        {
            Big => FuseOpenFlags.KeepCache,
            Direct => FuseOpenFlags.DirectIo,
            _ => FuseOpenFlags.None,
        };
        if (!FillAttr(nodeId, ref Unsafe.NullRef<FuseAttr>(), out uint mode) || (mode & FuseConstants.S_IFMT) != FuseConstants.S_IFREG)
        {
            return nodeId == Dir || nodeId == Many || nodeId == Root ? Errno.EISDIR : Errno.ENOENT;
        }
        Interlocked.Increment(ref _opens);
        return Errno.OK;
    }

    public override Errno Read(ulong nodeId, ulong fileHandle, long offset, Span<byte> buffer, out int bytesRead)
    {
        bytesRead = 0;
        if (fileHandle != 0x1000 + nodeId)
        {
            return Errno.EBADF;
        }
        switch (nodeId)
        {
            case Big or Direct:
                if (nodeId == Direct)
                {
                    Interlocked.Increment(ref _directReads);
                }
                int count = (int)Math.Clamp(BigSize - offset, 0, buffer.Length);
                for (int i = 0; i < count; i++)
                {
                    buffer[i] = ContentByte(offset + i);
                }
                bytesRead = count;
                return Errno.OK;
            case Throws:
                throw new InvalidOperationException("test handler failure");
            default:
                Span<byte> small = stackalloc byte[16];
                ReadOnlySpan<byte> content = SmallContent(nodeId, small);
                if (offset < content.Length)
                {
                    bytesRead = Math.Min(buffer.Length, content.Length - (int)offset);
                    content.Slice((int)offset, bytesRead).CopyTo(buffer);
                }
                return Errno.OK;
        }
    }

    public override Errno Flush(ulong nodeId, ulong fileHandle, ulong lockOwner) => Errno.OK;

    public override Errno Release(ulong nodeId, ulong fileHandle, int flags)
    {
        Interlocked.Increment(ref _releases);
        return Errno.OK;
    }

    public override Errno Opendir(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        fileHandle = 0x2000 + nodeId;
        openFlags = FuseOpenFlags.None;
        return nodeId is Root or Dir or Many ? Errno.OK : Errno.ENOTDIR;
    }

    public override Errno Readdir(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) =>
        List(nodeId, offset, ref writer);

    public override Errno Readdirplus(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) =>
        List(nodeId, offset, ref writer);

    public override Errno Releasedir(ulong nodeId, ulong fileHandle, int flags) => Errno.OK;

    public override Errno Statfs(ulong nodeId, out FuseStatfs statfs)
    {
        statfs = new FuseStatfs { Blocks = 1000, Bfree = 100, Bavail = 50, Files = 5000, Ffree = 10, Bsize = 4096, Frsize = 4096, Namelen = 255 };
        return Errno.OK;
    }

    public override Errno Getxattr(ulong nodeId, ReadOnlySpan<byte> name, Span<byte> value, out int length)
    {
        length = 0;
        ReadOnlySpan<byte> found;
        if (nodeId == Hello && name.SequenceEqual("user.color"u8))
        {
            found = "blue"u8;
        }
        else if (nodeId == Hello && name.SequenceEqual("user.empty"u8))
        {
            found = default;
        }
        else
        {
            return Errno.ENODATA;
        }
        length = found.Length;
        if (value.IsEmpty)
        {
            return Errno.OK;
        }
        return found.TryCopyTo(value) ? Errno.OK : Errno.ERANGE;
    }

    public override Errno Listxattr(ulong nodeId, Span<byte> list, out int length)
    {
        ReadOnlySpan<byte> names = nodeId == Hello ? "user.color\0user.empty\0"u8 : default;
        length = names.Length;
        return list.IsEmpty || names.TryCopyTo(list) ? Errno.OK : Errno.ERANGE;
    }

    public override Errno Access(ulong nodeId, int mask) => Errno.OK;

    private Errno List(ulong nodeId, long offset, ref FuseDirectoryWriter writer)
    {
        if (nodeId is not (Root or Dir or Many))
        {
            return Errno.ENOTDIR;
        }
        int count = 2 + nodeId switch { Root => s_rootChildren.Length, Dir => 1, _ => ManyCount };
        for (long index = offset; index < count; index++)
        {
            byte[] name;
            ulong node;
            if (index < 2)
            {
                name = index == 0 ? "."u8.ToArray() : ".."u8.ToArray();
                node = index == 0 ? nodeId : Root;
            }
            else
            {
                (name, node) = Child(nodeId, (int)index - 2);
            }
            bool added;
            if (writer.IsPlus)
            {
                FuseEntry entry = default;
                FillEntry(node, ref entry);
                added = writer.TryAddPlus(name, entry, index + 1);
                if (added && index >= 2)
                {
                    _lookups.AddOrUpdate(node, 1, (_, n) => n + 1);
                }
            }
            else
            {
                FillAttr(node, ref Unsafe.NullRef<FuseAttr>(), out uint mode);
                added = writer.TryAdd(name, node + 100, FuseConstants.DirentTypeOf(mode), index + 1);
            }
            if (!added)
            {
                break;
            }
        }
        return Errno.OK;
    }

    private static (byte[] Name, ulong Node) Child(ulong directory, int index) => directory switch
    {
        Root => (Encoding.ASCII.GetBytes(s_rootChildren[index].Name), s_rootChildren[index].Node),
        Dir => ("nested.txt"u8.ToArray(), Nested),
        _ => (ManyName(index), FirstManyChild + (ulong)index),
    };

    private static ulong Find(ulong parent, ReadOnlySpan<byte> name)
    {
        switch (parent)
        {
            case Root:
                foreach (var (childName, node) in s_rootChildren)
                {
                    if (name.SequenceEqual(Encoding.ASCII.GetBytes(childName)))
                    {
                        return node;
                    }
                }
                return 0;
            case Dir:
                return name.SequenceEqual("nested.txt"u8) ? Nested : 0;
            case Many:
                if (name.Length == 6 && name[0] == 'e' && !name[1..].ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                {
                    int index = int.Parse(name[1..]);
                    return index < ManyCount ? FirstManyChild + (ulong)index : 0;
                }
                return 0;
            default:
                return 0;
        }
    }

    private static ReadOnlySpan<byte> SmallContent(ulong node, Span<byte> buffer)
    {
        switch (node)
        {
            case Hello:
                return HelloContent;
            case Nested:
                return NestedContent;
            case >= FirstManyChild and < FirstManyChild + ManyCount:
                buffer[0] = (byte)'e';
                ((int)(node - FirstManyChild)).TryFormat(buffer[1..], out _, "D5");
                buffer[6] = (byte)'\n';
                return buffer[..7];
            default:
                return default;
        }
    }

    private static void FillEntry(ulong node, ref FuseEntry entry)
    {
        FillAttr(node, ref entry.Attr);
        entry.NodeId = node;
        entry.Generation = 0;
        entry.EntryTimeout = Timeout;
        entry.AttrTimeout = Timeout;
    }

    private static bool FillAttr(ulong node, ref FuseAttr attr) => FillAttr(node, ref attr, out _);

    /// <summary>Fills <paramref name="attr"/> (unless it is a null ref) and returns the mode.</summary>
    private static bool FillAttr(ulong node, ref FuseAttr attr, out uint mode)
    {
        ulong size;
        switch (node)
        {
            case Root or Dir or Many:
                (mode, size) = (FuseConstants.S_IFDIR | 0x1ED, 4096);
                break;
            case Hello:
                (mode, size) = (FuseConstants.S_IFREG | 0x1A4, (ulong)HelloContent.Length);
                break;
            case Nested:
                (mode, size) = (FuseConstants.S_IFREG | 0x1A4, (ulong)NestedContent.Length);
                break;
            case Big or Direct:
                (mode, size) = (FuseConstants.S_IFREG | 0x1A4, (ulong)BigSize);
                break;
            case Throws:
                (mode, size) = (FuseConstants.S_IFREG | 0x1A4, 100);
                break;
            case Link:
                (mode, size) = (FuseConstants.S_IFLNK | 0x1FF, 9);
                break;
            case >= FirstManyChild and < FirstManyChild + ManyCount:
                (mode, size) = (FuseConstants.S_IFREG | 0x1A4, 7);
                break;
            default:
                mode = 0;
                return false;
        }
        if (!Unsafe.IsNullRef(ref attr))
        {
            attr = new FuseAttr
            {
                Ino = node + 100,
                Size = size,
                Blocks = (size + 511) / 512,
                Mode = mode,
                Nlink = (mode & FuseConstants.S_IFMT) == FuseConstants.S_IFDIR ? 2u : 1u,
                Uid = 1234,
                Gid = 5678,
                Mtime = Mtime,
                MtimeNsec = MtimeNsec,
                Atime = Mtime,
                Ctime = Mtime,
                Blksize = 4096,
            };
        }
        return true;
    }
}
