using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>One entry of a listing as the kernel would receive it.</summary>
public sealed record ViewDirEntry(string Name, ulong NodeId, ulong Ino, uint Type, FuseAttr Attr);

/// <summary>What a walk of the view found at one cipher path.</summary>
public sealed record ViewObject(string CipherPath, string Type, long Size, string? Sha256, string? LinkTarget, FuseAttr Attr);

/// <summary>
/// Calls an <see cref="IFuseFileSystem"/> in-process the way the kernel does (lookup, READDIRPLUS with its lookup
/// counts, open/read/release), without a mount. Names are shown as Latin-1 strings (lossless for any byte).
/// </summary>
public sealed class ViewClient(IFuseFileSystem fs)
{
    public IFuseFileSystem Fs { get; } = fs;

    public static byte[] B(string latin1) => Encoding.Latin1.GetBytes(latin1);

    public static string S(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>Lookup that must succeed.</summary>
    public FuseEntry Lookup(ulong parent, string name)
    {
        var errno = Fs.Lookup(parent, B(name), out var entry);
        Assert.That(errno, Is.EqualTo(Errno.OK), $"lookup of {name} in {parent}");
        return entry;
    }

    public Errno TryLookup(ulong parent, string name, out FuseEntry entry) => Fs.Lookup(parent, B(name), out entry);

    /// <summary>Resolves a '/'-separated cipher path from the root.</summary>
    public FuseEntry Resolve(string cipherPath)
    {
        var entry = new FuseEntry { NodeId = FuseConstants.RootNodeId };
        foreach (var part in cipherPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            entry = Lookup(entry.NodeId, part);
        }
        return entry;
    }

    /// <summary>The whole listing of a directory (READDIRPLUS or READDIR), in small reply buffers to exercise
    /// continuation offsets.</summary>
    public List<ViewDirEntry> List(ulong nodeId, bool plus = true, int bufferSize = 4096)
    {
        Assert.That(Fs.Opendir(nodeId, 0, out ulong fh, out _), Is.EqualTo(Errno.OK), $"opendir {nodeId}");
        try
        {
            var result = new List<ViewDirEntry>();
            long offset = 0;
            var buffer = new byte[bufferSize];
            while (true)
            {
                var writer = new FuseDirectoryWriter(buffer, plus);
                var errno = plus ? Fs.Readdirplus(nodeId, fh, offset, ref writer) : Fs.Readdir(nodeId, fh, offset, ref writer);
                Assert.That(errno, Is.EqualTo(Errno.OK), $"readdir {nodeId} at {offset}");
                if (writer.Count == 0)
                {
                    return result;
                }
                offset = Parse(writer.Written, plus, result);
            }
        }
        finally
        {
            Fs.Releasedir(nodeId, fh, 0);
        }
    }

    /// <summary>Parses a READDIR(PLUS) reply; returns the offset of the last entry.</summary>
    public static long Parse(ReadOnlySpan<byte> data, bool plus, List<ViewDirEntry> into)
    {
        long lastOffset = 0;
        int entrySize = Marshal.SizeOf<FuseEntry>();
        while (!data.IsEmpty)
        {
            FuseEntry entry = default;
            if (plus)
            {
                entry = MemoryMarshal.Read<FuseEntry>(data);
                data = data[entrySize..];
            }
            ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(data);
            lastOffset = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
            int nameLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(data[16..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(data[20..]);
            string name = S(data.Slice(24, nameLength));
            into.Add(new ViewDirEntry(name, entry.NodeId, ino, type, entry.Attr));
            data = data[((24 + nameLength + 7) & ~7)..];
        }
        return lastOffset;
    }

    /// <summary>Opens, reads in <paramref name="chunk"/>-byte requests until a short read, releases.</summary>
    public byte[] ReadAll(ulong nodeId, int chunk = 128 * 1024)
    {
        Assert.That(Fs.Open(nodeId, 0, out ulong fh, out _), Is.EqualTo(Errno.OK), $"open {nodeId}");
        try
        {
            var all = new MemoryStream();
            var buffer = new byte[chunk];
            while (true)
            {
                Assert.That(Fs.Read(nodeId, fh, all.Length, buffer, out int n), Is.EqualTo(Errno.OK));
                all.Write(buffer, 0, n);
                if (n < chunk)
                {
                    return all.ToArray();
                }
            }
        }
        finally
        {
            Fs.Release(nodeId, fh, 0);
        }
    }

    public string Readlink(ulong nodeId)
    {
        var target = new byte[FuseConstants.MaxSymlinkLength];
        Assert.That(Fs.Readlink(nodeId, target, out int length), Is.EqualTo(Errno.OK));
        return S(target.AsSpan(0, length));
    }

    /// <summary>Walks the whole view with READDIRPLUS, as a backup tool would.</summary>
    public Dictionary<string, ViewObject> Walk()
    {
        var result = new Dictionary<string, ViewObject>(StringComparer.Ordinal);
        WalkInto(FuseConstants.RootNodeId, "", result);
        return result;
    }

    private void WalkInto(ulong nodeId, string prefix, Dictionary<string, ViewObject> result)
    {
        foreach (var e in List(nodeId))
        {
            if (e.Name is "." or "..")
            {
                continue;
            }
            string path = prefix.Length == 0 ? e.Name : prefix + "/" + e.Name;
            uint fileType = e.Attr.Mode & FuseConstants.S_IFMT;
            switch (fileType)
            {
                case FuseConstants.S_IFDIR:
                    result[path] = new ViewObject(path, "dir", (long)e.Attr.Size, null, null, e.Attr);
                    WalkInto(e.NodeId, path, result);
                    break;
                case FuseConstants.S_IFREG:
                    var content = ReadAll(e.NodeId);
                    Assert.That(content.LongLength, Is.EqualTo((long)e.Attr.Size), $"size of {path}");
                    result[path] = new ViewObject(path, "file", content.LongLength, Convert.ToHexStringLower(SHA256.HashData(content)),
                        null, e.Attr);
                    break;
                case FuseConstants.S_IFLNK:
                    string target = Readlink(e.NodeId);
                    Assert.That(target.Length, Is.EqualTo((long)e.Attr.Size), $"size of symlink {path}");
                    result[path] = new ViewObject(path, "symlink", target.Length, null, target, e.Attr);
                    break;
                default:
                    result[path] = new ViewObject(path, "special", (long)e.Attr.Size, null, null, e.Attr);
                    break;
            }
        }
    }
}
