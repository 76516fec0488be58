namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>What <see cref="OracleTree"/> recorded for one object (lstat values, content hash, target, xattrs).</summary>
public sealed record TreeObject(
    string Path, uint FileType, uint Mode, uint Uid, uint Gid, ulong Size, long MtimeSec, uint MtimeNsec, uint Nlink,
    ulong Ino, uint RdevMajor, uint RdevMinor, string? Sha256, string? LinkTarget, SortedDictionary<string, string>? Xattrs)
{
    public bool IsDirectory => FileType == 0x4000;
    public bool IsRegular => FileType == 0x8000;
    public bool IsSymlink => FileType == 0xA000;
}

/// <summary>
/// A directory tree as the independent oracle saw it (tests/tree-manifest.py through <see cref="TreeManifest"/>: Python's
/// os.lstat/readlink/listxattr/getxattr on bytes paths, no product code), keyed by path. Paths (and symlink targets,
/// xattr names) are Latin-1 strings, one char per byte, so nothing is lost. Only regular files are ever opened.
/// </summary>
public static class OracleTree
{
    public static Dictionary<string, TreeObject> Walk(string root, bool content = true, bool xattrs = false)
    {
        var result = new Dictionary<string, TreeObject>(StringComparer.Ordinal);
        foreach (var e in TreeManifest.Walk(root, content))
        {
            string path = Latin1(e.Path);
            uint type = e.Type switch
            {
                "file" => 0x8000u,
                "dir" => 0x4000u,
                "symlink" => 0xA000u,
                "fifo" => 0x1000u,
                "socket" => 0xC000u,
                "chardev" => 0x2000u,
                "blockdev" => 0x6000u,
                _ => 0u,
            };
            SortedDictionary<string, string>? attrs = null;
            if (xattrs)
            {
                attrs = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, value) in e.Xattrs)
                {
                    attrs[Latin1(name)] = value;
                }
            }
            result[path] = new TreeObject(path, type, type | e.Mode, e.Uid, e.Gid, (ulong)e.Size, e.MtimeSec, e.MtimeNsec,
                e.Nlink, e.Ino, e.RdevMajor, e.RdevMinor, e.Type == "file" && content ? e.Sha256 : null,
                e.Target is null ? null : Latin1(e.Target), attrs);
        }
        return result;
    }

    public static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
