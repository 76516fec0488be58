using System.Security.Cryptography;

namespace ReverseCrypt.Operations.Tests.Support;

/// <summary>What a tree comparison looks at.</summary>
[Flags]
public enum Compare
{
    None = 0,
    Owners = 1,
    Times = 2,
    Xattrs = 4,
    HardLinks = 8,
    /// <summary>Directory mtimes (off for trees whose directories were read through a mount that changes them).</summary>
    DirectoryTimes = 16,
    All = Owners | Times | Xattrs | HardLinks | DirectoryTimes,
}

/// <summary>One object of a snapshot.</summary>
public sealed record SnapshotNode(string Type, uint Mode, uint Uid, uint Gid, long Size, long MtimeSec, uint MtimeNsec, string Content,
    ulong Rdev, string Xattrs, string LinkGroup, long AllocatedBytes);

/// <summary>
/// A byte-exact description of a directory tree read with raw syscalls (names as bytes, never following symlinks):
/// types, modes, owners, sizes, SHA-256 of contents, symlink targets, device numbers, xattrs (incl. ACLs), mtimes
/// with nanoseconds and hard-link groups. Two snapshots are compared field by field.
/// </summary>
public sealed class TreeSnapshot
{
    private TreeSnapshot(SortedDictionary<string, SnapshotNode> nodes) => Nodes = nodes;

    public SortedDictionary<string, SnapshotNode> Nodes { get; }

    /// <summary>Reads the tree at <paramref name="root"/>; <paramref name="skipRootNames"/> are left out of the root.</summary>
    public static TreeSnapshot Take(string root, params string[] skipRootNames) => Take(root, false, skipRootNames);

    /// <summary>
    /// Reads the tree; with <paramref name="tolerateReadErrors"/> a file that cannot be read gets the content
    /// "!ERRNO" instead of failing the snapshot (a damaged file in a mount).
    /// </summary>
    public static TreeSnapshot Take(string root, bool tolerateReadErrors, params string[] skipRootNames)
    {
        var nodes = new SortedDictionary<string, SnapshotNode>(StringComparer.Ordinal);
        var rawNodes = new List<(string Path, Libc.StatxBuffer Stat, string Content, string Xattrs)>();
        using var rootFd = CipherIo.OpenRootDirectory(root, out var errno) ?? throw new IOException($"{root}: {errno}");
        Libc.StatxFd(rootFd.Fd, out var rootStat);
        rawNodes.Add((".", rootStat, "", ReadXattrs(rootFd.Fd, default)));
        Walk(rootFd.Fd, "", rawNodes, skipRootNames, tolerateReadErrors);
        var groups = new Dictionary<(ulong, ulong), string>();
        foreach (var (path, stat, content, xattrs) in rawNodes.OrderBy(n => n.Path, StringComparer.Ordinal))
        {
            string group = "";
            if (stat.FileType != CipherIo.S_IFDIR && stat.Nlink > 1)
            {
                var key = (stat.Dev, stat.Ino);
                if (!groups.TryGetValue(key, out var first))
                {
                    groups.Add(key, first = path);
                }
                group = first;
            }
            nodes[path] = new SnapshotNode(TypeName(stat.FileType), stat.Mode, stat.Uid, stat.Gid,
                stat.FileType == CipherIo.S_IFDIR ? 0 : (long)stat.Size, stat.Mtime.Sec, stat.Mtime.Nsec, content,
                stat.FileType is CipherIo.S_IFCHR or CipherIo.S_IFBLK ? stat.Rdev : 0, xattrs, group, (long)stat.Blocks * 512);
        }
        return new TreeSnapshot(nodes);
    }

    private static void Walk(int dirFd, string prefix, List<(string, Libc.StatxBuffer, string, string)> nodes, string[] skip,
        bool tolerant)
    {
        var entries = CipherIo.ReadEntries(dirFd, out var errno) ?? throw new IOException($"{prefix}: cannot list: {errno}");
        foreach (var entry in entries)
        {
            if (prefix.Length == 0 && skip.Contains(Encoding.UTF8.GetString(entry.Name)))
            {
                continue;
            }
            var path = prefix.Length == 0 ? BytePath.Display(entry.Name) : prefix + "/" + BytePath.Display(entry.Name);
            errno = Libc.StatxName(dirFd, entry.Name, out var stat);
            if (errno != Errno.OK)
            {
                throw new IOException($"{path}: cannot stat: {errno}");
            }
            string content = "";
            if (stat.FileType == CipherIo.S_IFREG)
            {
                content = HashFile(dirFd, entry.Name, path, tolerant);
            }
            else if (stat.FileType == CipherIo.S_IFLNK)
            {
                var target = new byte[Libc.PathMax];
                int length = Libc.ReadlinkatName(dirFd, entry.Name, target, out errno);
                if (length < 0 && !tolerant)
                {
                    throw new IOException($"{path}: readlink: {errno}");
                }
                content = length < 0 ? "!" + errno : "-> " + BytePath.Display(target.AsSpan(0, length));
            }
            nodes.Add((path, stat, content, ReadXattrs(dirFd, entry.Name)));
            if (stat.FileType == CipherIo.S_IFDIR)
            {
                using var child = CipherIo.OpenDirectory(dirFd, entry.Name, out errno) ?? throw new IOException($"{path}: open: {errno}");
                Walk(child.Fd, path, nodes, skip, tolerant);
            }
        }
    }

    private static string HashFile(int dirFd, byte[] name, string path, bool tolerant)
    {
        using var fd = CipherIo.OpenRegular(dirFd, name, out _, out var errno);
        if (fd is null)
        {
            return tolerant ? "!" + errno : throw new IOException($"{path}: open: {errno}");
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long offset = 0;
        while (true)
        {
            int n = Libc.PreadFull(fd.Fd, buffer, offset, out errno);
            if (n < 0)
            {
                return tolerant ? "!" + errno : throw new IOException($"{path}: read at {offset}: {errno}");
            }
            if (n == 0)
            {
                break;
            }
            hash.AppendData(buffer, 0, n);
            offset += n;
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string ReadXattrs(int dirFd, ReadOnlySpan<byte> name)
    {
        var list = new byte[Libc.XattrSizeMax];
        int length = Libc.ListxattrAt(dirFd, name, list, out var errno);
        if (length <= 0)
        {
            return "";
        }
        var result = new List<string>();
        var names = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < length; i++)
        {
            if (list[i] == 0)
            {
                if (i > start)
                {
                    names.Add(list.AsSpan(start, i - start).ToArray());
                }
                start = i + 1;
            }
        }
        foreach (var attr in names)
        {
            var value = new byte[Libc.XattrSizeMax];
            int valueLength = Libc.GetxattrAt(dirFd, name, attr, value, out errno);
            result.Add($"{BytePath.Display(attr)}={(valueLength < 0 ? "?" + errno : Convert.ToHexStringLower(value, 0, valueLength))}");
        }
        result.Sort(StringComparer.Ordinal);
        return string.Join(";", result);
    }

    private static string TypeName(uint type) => type switch
    {
        CipherIo.S_IFREG => "file",
        CipherIo.S_IFDIR => "dir",
        CipherIo.S_IFLNK => "symlink",
        CipherIo.S_IFIFO => "fifo",
        CipherIo.S_IFSOCK => "socket",
        CipherIo.S_IFCHR => "chardev",
        CipherIo.S_IFBLK => "blockdev",
        _ => "?",
    };

    /// <summary>A copy without the given paths (and everything below them).</summary>
    public TreeSnapshot Without(IEnumerable<string> paths)
    {
        var removed = paths.ToList();
        var kept = new SortedDictionary<string, SnapshotNode>(StringComparer.Ordinal);
        foreach (var (path, node) in Nodes)
        {
            if (!removed.Any(r => path == r || path.StartsWith(r + "/", StringComparison.Ordinal)))
            {
                kept[path] = node;
            }
        }
        return new TreeSnapshot(kept);
    }

    /// <summary>Differences between this (expected) and <paramref name="actual"/>, one line each.</summary>
    public List<string> Diff(TreeSnapshot actual, Compare what)
    {
        var differences = new List<string>();
        foreach (var (path, expected) in Nodes)
        {
            if (!actual.Nodes.TryGetValue(path, out var got))
            {
                differences.Add($"missing: {path}");
                continue;
            }
            void Check<T>(string field, T e, T a)
            {
                if (!EqualityComparer<T>.Default.Equals(e, a))
                {
                    differences.Add($"{path}: {field} expected {e} got {a}");
                }
            }
            Check("type", expected.Type, got.Type);
            Check("mode", Convert.ToString(expected.Mode, 8), Convert.ToString(got.Mode, 8));
            Check("content", expected.Content, got.Content);
            Check("size", expected.Size, got.Size);
            Check("rdev", expected.Rdev, got.Rdev);
            if (what.HasFlag(Compare.Owners))
            {
                Check("owner", $"{expected.Uid}:{expected.Gid}", $"{got.Uid}:{got.Gid}");
            }
            if (what.HasFlag(Compare.Times) && (expected.Type != "dir" || what.HasFlag(Compare.DirectoryTimes)))
            {
                Check("mtime", $"{expected.MtimeSec}.{expected.MtimeNsec:D9}", $"{got.MtimeSec}.{got.MtimeNsec:D9}");
            }
            if (what.HasFlag(Compare.Xattrs))
            {
                Check("xattrs", expected.Xattrs, got.Xattrs);
            }
            if (what.HasFlag(Compare.HardLinks))
            {
                Check("hard-link group", expected.LinkGroup, got.LinkGroup);
            }
        }
        foreach (var path in actual.Nodes.Keys.Where(p => !Nodes.ContainsKey(p)))
        {
            differences.Add($"unexpected: {path}");
        }
        return differences;
    }

    /// <summary>Asserts that <paramref name="actual"/> equals this snapshot in every compared respect.</summary>
    public void AssertSame(TreeSnapshot actual, Compare what, string context)
    {
        var differences = Diff(actual, what);
        Assert.That(differences, Is.Empty, $"{context}:\n" + string.Join("\n", differences.Take(60)));
    }
}
