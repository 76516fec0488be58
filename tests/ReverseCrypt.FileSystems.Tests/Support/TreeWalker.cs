using System.Security.Cryptography;

namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>What <see cref="TreeWalker"/> recorded for one object (lstat values, content hash, target, xattrs).</summary>
public sealed record TreeObject(
    string Path, uint FileType, uint Mode, uint Uid, uint Gid, ulong Size, long MtimeSec, uint MtimeNsec, uint Nlink,
    ulong Ino, uint RdevMajor, uint RdevMinor, string? Sha256, string? LinkTarget, SortedDictionary<string, string>? Xattrs)
{
    public bool IsDirectory => FileType == 0x4000;
    public bool IsRegular => FileType == 0x8000;
    public bool IsSymlink => FileType == 0xA000;
}

/// <summary>
/// Walks a directory tree with raw syscalls (getdents64, statx, openat O_NOFOLLOW, readlinkat, l*xattr) so that names
/// stay bytes; paths are reported as Latin-1 strings (one char per byte, lossless). Only regular files are ever
/// opened (a FIFO would block).
/// </summary>
public static class TreeWalker
{
    public static Dictionary<string, TreeObject> Walk(string root, bool content = true, bool xattrs = false)
    {
        var result = new Dictionary<string, TreeObject>(StringComparer.Ordinal);
        using var fd = Backing.BackingTree.OpenPath(root, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY, out var errno);
        Assert.That(fd, Is.Not.Null, $"open {root}: {errno}");
        Assert.That(Libc.StatxFd(fd!.Fd, out var st), Is.EqualTo(Errno.OK));
        result[""] = Make("", st, null, null, xattrs ? ReadXattrs(fd.Fd, default) : null);
        WalkDir(fd.Fd, "", content, xattrs, result);
        return result;
    }

    private static void WalkDir(int dirFd, string prefix, bool content, bool xattrs, Dictionary<string, TreeObject> result)
    {
        var names = new List<byte[]>();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int n = Libc.Getdents64(dirFd, buffer, out var errno);
            Assert.That(n, Is.GreaterThanOrEqualTo(0), $"getdents {prefix}: {errno}");
            if (n == 0)
            {
                break;
            }
            var reader = new Libc.DirentReader(buffer.AsSpan(0, n));
            while (reader.MoveNext())
            {
                if (!reader.Name.SequenceEqual("."u8) && !reader.Name.SequenceEqual(".."u8))
                {
                    names.Add(reader.Name.ToArray());
                }
            }
        }
        foreach (var name in names)
        {
            string path = prefix.Length == 0 ? Latin1(name) : prefix + "/" + Latin1(name);
            var errno = Libc.StatxName(dirFd, name, out var st);
            Assert.That(errno, Is.EqualTo(Errno.OK), $"statx {path}");
            string? sha = null;
            string? target = null;
            var attrs = xattrs ? ReadXattrs(dirFd, name) : null;
            switch (st.FileType)
            {
                case 0x8000 when content:
                    using (var file = Libc.OpenatName(dirFd, name, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_NOFOLLOW, out errno))
                    {
                        Assert.That(file, Is.Not.Null, $"open {path}: {errno}");
                        sha = HashFile(file!.Fd, path);
                    }
                    break;
                case 0xA000:
                    var t = new byte[Libc.PathMax + 1];
                    int length = Libc.ReadlinkatName(dirFd, name, t, out errno);
                    Assert.That(length, Is.GreaterThanOrEqualTo(0), $"readlink {path}: {errno}");
                    target = Latin1(t.AsSpan(0, length));
                    break;
            }
            result[path] = Make(path, st, sha, target, attrs);
            if (st.FileType == 0x4000)
            {
                using var sub = Libc.OpenatName(dirFd, name, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY | Libc.OpenFlags.O_NOFOLLOW, out errno);
                Assert.That(sub, Is.Not.Null, $"opendir {path}: {errno}");
                WalkDir(sub!.Fd, path, content, xattrs, result);
            }
        }
    }

    private static string HashFile(int fd, string path)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long offset = 0;
        while (true)
        {
            int n = Libc.PreadFull(fd, buffer, offset, out var errno);
            Assert.That(n, Is.GreaterThanOrEqualTo(0), $"read {path}: {errno}");
            sha.AppendData(buffer, 0, n);
            offset += n;
            if (n < buffer.Length)
            {
                return Convert.ToHexStringLower(sha.GetHashAndReset());
            }
        }
    }

    private static SortedDictionary<string, string> ReadXattrs(int dirFd, ReadOnlySpan<byte> name)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var list = new byte[Libc.XattrSizeMax];
        int n = Libc.ListxattrAt(dirFd, name, list, out var errno);
        if (n < 0)
        {
            Assert.That(errno, Is.EqualTo(Errno.EOPNOTSUPP), $"listxattr {Latin1(name)}");
            return result;
        }
        foreach (var attr in Latin1(list.AsSpan(0, n)).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var value = new byte[Libc.XattrSizeMax];
            int v = Libc.GetxattrAt(dirFd, name, Encoding.Latin1.GetBytes(attr), value, out errno);
            Assert.That(v, Is.GreaterThanOrEqualTo(0), $"getxattr {attr} of {Latin1(name)}: {errno}");
            result[attr] = Convert.ToHexStringLower(value.AsSpan(0, v));
        }
        return result;
    }

    private static TreeObject Make(string path, in Libc.StatxBuffer st, string? sha, string? target, SortedDictionary<string, string>? xattrs) =>
        new(path, st.FileType, st.Mode, st.Uid, st.Gid, st.Size, st.Mtime.Sec, st.Mtime.Nsec, st.Nlink, st.Ino, st.RdevMajor,
            st.RdevMinor, sha, target, xattrs);

    public static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
