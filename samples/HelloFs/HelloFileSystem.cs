using System.Globalization;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace HelloFs;

/// <summary>
/// A read-only filesystem of generated files: /hello.txt, /big (byte at offset o is o % 251) and /many/f000000...
/// (copies of hello.txt). Nothing ever changes, so node ids are fixed and Forget (the kernel dropping its references to
/// a node) has nothing to release. What is not overridden gets the base class's ENOSYS: no xattrs (the kernel remembers
/// it and stops asking), no FLUSH/RELEASE work (close(2) still succeeds), no STATFS (df fails).
/// </summary>
public sealed class HelloFileSystem(long bigSize, int manyEntries) : FuseFileSystemBase
{
    // Node ids name files between the kernel and us: we choose them, except the root's (1).
    private const ulong Hello = 2, Big = 3, Many = 4, FirstManyFile = 1000;
    private static readonly (byte[] Name, ulong Node)[] s_root =
        [("hello.txt"u8.ToArray(), Hello), ("big"u8.ToArray(), Big), ("many"u8.ToArray(), Many)];
    private static readonly byte[] s_hello = "Hello from a managed FUSE server!\n"u8.ToArray();
    // /big repeats every 251 bytes: its content at any offset is a slice of this (one READ asks for at most 1 MiB).
    private static readonly byte[] s_pattern = [.. Enumerable.Range(0, (1 << 20) + 251).Select(i => (byte)(i % 251))];

    // What stat(2) shows for a node (NodeId 0: no such node), and how long the kernel may cache it without asking.
    private FuseEntry Entry(ulong node)
    {
        (uint mode, long size) = node switch
        {
            FuseConstants.RootNodeId or Many => (FuseConstants.S_IFDIR | 0b111_101_101, 4096L), // rwxr-xr-x
            Big => (FuseConstants.S_IFREG | 0b110_100_100, bigSize),                            // rw-r--r--
            _ when node == Hello || (node >= FirstManyFile && node < FirstManyFile + (ulong)manyEntries)
                => (FuseConstants.S_IFREG | 0b110_100_100, s_hello.Length),
            _ => (0u, 0L),
        };
        var attr = new FuseAttr { Ino = node, Mode = mode, Size = (ulong)size, Blocks = (ulong)(size + 511) / 512, Nlink = 1 };
        TimeSpan oneSecond = TimeSpan.FromSeconds(1);
        return mode == 0 ? default : new FuseEntry { NodeId = node, Attr = attr, EntryTimeout = oneSecond, AttrTimeout = oneSecond };
    }

    // LOOKUP: the kernel asks for a name in a directory; the answer gives it the child's node id and attributes.
    public override Errno Lookup(ulong parentNodeId, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        ulong node = parentNodeId == Many && name.Length == 7 && name[0] == 'f'
            && uint.TryParse(name[1..], NumberStyles.None, CultureInfo.InvariantCulture, out uint index) ? FirstManyFile + index : 0;
        foreach (var child in parentNodeId == FuseConstants.RootNodeId ? s_root : [])
        {
            node = name.SequenceEqual(child.Name) ? child.Node : node;
        }
        entry = Entry(node);
        return entry.NodeId == 0 ? Errno.ENOENT : Errno.OK;
    }

    // GETATTR: stat(2) of a node the kernel already knows.
    public override Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
    {
        FuseEntry entry = Entry(nodeId);
        (attr, attrTimeout) = (entry.Attr, entry.AttrTimeout);
        return entry.NodeId == 0 ? Errno.ENOENT : Errno.OK;
    }

    // OPEN and OPENDIR (the kernel has checked the node's type): no per-open state here, so every handle is 0.
    public override Errno Open(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags) =>
        Opendir(nodeId, flags, out fileHandle, out openFlags);

    public override Errno Opendir(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        (fileHandle, openFlags) = (0, FuseOpenFlags.None);
        return Errno.OK;
    }

    // READ: fill the buffer (the reply itself: no copy) from offset; fewer bytes than asked means end of file.
    public override Errno Read(ulong nodeId, ulong fileHandle, long offset, Span<byte> buffer, out int bytesRead)
    {
        ReadOnlySpan<byte> content = nodeId == Big
            ? s_pattern.AsSpan((int)(offset % 251), (int)Math.Clamp(bigSize - offset, 0, buffer.Length))
            : s_hello.AsSpan((int)Math.Min(offset, s_hello.Length));
        bytesRead = Math.Min(content.Length, buffer.Length);
        content[..bytesRead].CopyTo(buffer);
        return Errno.OK;
    }

    // READDIRPLUS (the only listing request, see Program.cs): entries with their attributes, from the kernel's offset
    // until the reply is full; the offset given with an entry is where the next request resumes.
    public override Errno Readdirplus(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer)
    {
        Span<byte> manyName = stackalloc byte[7];
        manyName[0] = (byte)'f';
        for (long i = offset; i < (nodeId == Many ? manyEntries : s_root.Length); i++)
        {
            bool added = nodeId == Many
                ? i.TryFormat(manyName[1..], out _, "D6", CultureInfo.InvariantCulture) // f000000, f000001, ...
                    && writer.TryAddPlus(manyName, Entry(FirstManyFile + (ulong)i), i + 1)
                : writer.TryAddPlus(s_root[i].Name, Entry(s_root[i].Node), i + 1);
            if (!added) break; // the reply is full: the kernel asks again from offset i
        }
        return Errno.OK;
    }
}
