using System.Buffers.Binary;
using ReverseCrypt.Fuse;

namespace ReverseCrypt.Operations.Tests.Support;

/// <summary>One object as a FUSE filesystem served it: type, content/target (or the error), xattrs.</summary>
public sealed record ViewObject(string Type, byte[]? Data, Errno DataError, Dictionary<string, byte[]?> Xattrs);

/// <summary>
/// Walks an <see cref="IFuseFileSystem"/> the way the kernel would (opendir/readdir, lookup, getattr, open/read,
/// readlink, listxattr/getxattr, forget), in-process: fast, and not affected by kernel caches.
/// </summary>
public static class InProcessView
{
    public static Dictionary<string, ViewObject> Walk(IFuseFileSystem fs, int maxObjects = 10_000)
    {
        var result = new Dictionary<string, ViewObject>(StringComparer.Ordinal);
        Visit(fs, FuseConstants.RootNodeId, "", FuseConstants.S_IFDIR, result, maxObjects);
        return result;
    }

    private static void Visit(IFuseFileSystem fs, ulong nodeId, string path, uint type, Dictionary<string, ViewObject> result, int max)
    {
        if (result.Count >= max)
        {
            return;
        }
        var xattrs = ReadXattrs(fs, nodeId);
        byte[]? data = null;
        var dataError = Errno.OK;
        switch (type)
        {
            case FuseConstants.S_IFREG:
                dataError = ReadFile(fs, nodeId, out data);
                break;
            case FuseConstants.S_IFLNK:
                var target = new byte[FuseConstants.MaxSymlinkLength];
                dataError = fs.Readlink(nodeId, target, out int length);
                data = dataError == Errno.OK ? target.AsSpan(0, length).ToArray() : null;
                break;
        }
        result[path.Length == 0 ? "." : path] = new ViewObject(TypeName(type), data, dataError, xattrs);
        if (type != FuseConstants.S_IFDIR)
        {
            return;
        }
        if (fs.Opendir(nodeId, 0, out ulong handle, out _) != Errno.OK)
        {
            return;
        }
        var names = new List<byte[]>();
        var buffer = new byte[16 * 1024];
        long offset = 0;
        while (true)
        {
            var writer = new FuseDirectoryWriter(buffer, plus: false);
            if (fs.Readdir(nodeId, handle, offset, ref writer) != Errno.OK || writer.Count == 0)
            {
                break;
            }
            var written = writer.Written;
            while (written.Length >= 24)
            {
                long next = BinaryPrimitives.ReadInt64LittleEndian(written[8..]);
                int nameLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(written[16..]);
                var name = written.Slice(24, nameLength);
                if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                {
                    names.Add(name.ToArray());
                }
                offset = next;
                written = written[((24 + nameLength + 7) & ~7)..];
            }
        }
        fs.Releasedir(nodeId, handle, 0);
        foreach (var name in names)
        {
            if (fs.Lookup(nodeId, name, out var entry) != Errno.OK)
            {
                continue;
            }
            var childPath = path.Length == 0 ? BytePath.Display(name) : path + "/" + BytePath.Display(name);
            Visit(fs, entry.NodeId, childPath, entry.Attr.Mode & FuseConstants.S_IFMT, result, max);
            fs.Forget(entry.NodeId, 1);
        }
    }

    private static Errno ReadFile(IFuseFileSystem fs, ulong nodeId, out byte[]? data)
    {
        data = null;
        var errno = fs.Open(nodeId, 0, out ulong handle, out _);
        if (errno != Errno.OK)
        {
            return errno;
        }
        try
        {
            var content = new MemoryStream();
            var buffer = new byte[128 * 1024];
            while (true)
            {
                errno = fs.Read(nodeId, handle, content.Length, buffer, out int n);
                if (errno != Errno.OK)
                {
                    return errno;
                }
                if (n == 0)
                {
                    break;
                }
                content.Write(buffer, 0, n);
                if (content.Length > 64L << 20)
                {
                    return Errno.EFBIG;
                }
            }
            data = content.ToArray();
            return Errno.OK;
        }
        finally
        {
            fs.Release(nodeId, handle, 0);
        }
    }

    private static Dictionary<string, byte[]?> ReadXattrs(IFuseFileSystem fs, ulong nodeId)
    {
        var result = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        var list = new byte[FuseConstants.MaxXattrSize];
        if (fs.Listxattr(nodeId, list, out int length) != Errno.OK)
        {
            return result;
        }
        int start = 0;
        var value = new byte[FuseConstants.MaxXattrSize];
        for (int i = 0; i < length; i++)
        {
            if (list[i] != 0)
            {
                continue;
            }
            var name = list.AsSpan(start, i - start).ToArray();
            start = i + 1;
            var errno = fs.Getxattr(nodeId, name, value, out int valueLength);
            result[BytePath.Display(name)] = errno == Errno.OK ? value.AsSpan(0, valueLength).ToArray() : null;
        }
        return result;
    }

    private static string TypeName(uint type) => type switch
    {
        FuseConstants.S_IFREG => "file",
        FuseConstants.S_IFDIR => "dir",
        FuseConstants.S_IFLNK => "symlink",
        _ => "special",
    };
}
