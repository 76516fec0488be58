using System.Text.Json;

namespace ReverseCrypt.TestSupport;

/// <summary>One object of a <see cref="TreeManifest"/>: what os.lstat, os.readlink, os.listxattr/getxattr and a
/// SHA-256 of the contents said, as the oracle printed it. <see cref="Sha256"/> is "!ERRNO" for an unreadable file
/// (tolerant walks only), "-" when contents were not read; <see cref="Target"/> is the symlink target's bytes.</summary>
public sealed record ManifestEntry(
    byte[] Path, string Type, uint Mode, uint Uid, uint Gid, uint RdevMajor, uint RdevMinor, long Size, long MtimeSec,
    uint MtimeNsec, uint Nlink, ulong Dev, ulong Ino, long Blocks, string? Sha256, byte[]? Target, string? TargetError,
    IReadOnlyList<(byte[] Name, string ValueHex)> Xattrs);

/// <summary>
/// The independent oracle for tree comparisons: runs tests/tree-manifest.py, a small Python walker that shares no code
/// with the product (os.lstat, os.listxattr/getxattr, os.readlink and plain reads on bytes paths), and parses its
/// manifest. Both sides of a comparison (expected plaintext, restored copy, our view, gocryptfs's view) go through it,
/// so a bug in the product's I/O layer cannot hide on both sides at once.
/// </summary>
public static class TreeManifest
{
    public static string Script => System.IO.Path.Combine(Repo.Root, "tests", "tree-manifest.py");

    /// <summary>Walks <paramref name="root"/> (the root itself has the empty path), in byte order of the paths.</summary>
    public static List<ManifestEntry> Walk(string root, bool content = true, bool tolerateReadErrors = false,
        params string[] skipRootNames)
    {
        var args = new List<string> { Script, "--json" };
        if (!content)
        {
            args.Add("--no-content");
        }
        if (tolerateReadErrors)
        {
            args.Add("--tolerate-read-errors");
        }
        foreach (var name in skipRootNames)
        {
            args.Add("--skip-root");
            args.Add(name);
        }
        args.Add(root);
        var result = Run.Program("python3", args, timeout: TimeSpan.FromMinutes(5));
        if (result.ExitCode != 0)
        {
            throw new IOException($"tree-manifest.py {root}: {result}");
        }
        var entries = new List<ManifestEntry>();
        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            string? target = e.GetProperty("target").GetString();
            var xattrs = e.GetProperty("xattrs").EnumerateArray()
                .Select(x => (Convert.FromHexString(x[0].GetString()!), x[1].GetString()!)).ToList();
            entries.Add(new ManifestEntry(
                Convert.FromHexString(e.GetProperty("path").GetString()!), e.GetProperty("type").GetString()!,
                e.GetProperty("mode").GetUInt32(), e.GetProperty("uid").GetUInt32(), e.GetProperty("gid").GetUInt32(),
                e.GetProperty("rdev_major").GetUInt32(), e.GetProperty("rdev_minor").GetUInt32(),
                e.GetProperty("size").GetInt64(), e.GetProperty("mtime_sec").GetInt64(),
                e.GetProperty("mtime_nsec").GetUInt32(), e.GetProperty("nlink").GetUInt32(),
                e.GetProperty("dev").GetUInt64(), e.GetProperty("ino").GetUInt64(), e.GetProperty("blocks").GetInt64(),
                e.GetProperty("sha256").GetString(),
                target is null || target.StartsWith('!') ? null : Convert.FromHexString(target),
                target is not null && target.StartsWith('!') ? target : null,
                xattrs));
        }
        return entries;
    }

    /// <summary>Differences of <paramref name="actual"/> against <paramref name="expected"/> as the oracle reports them
    /// (its --compare mode; <paramref name="ignore"/>: owner, mtime, dirmtime, xattrs, links, nlink).</summary>
    public static List<string> Compare(string expected, string actual, IEnumerable<string>? ignore = null,
        params string[] skipRootNames)
    {
        var args = new List<string> { Script, "--compare" };
        foreach (var field in ignore ?? [])
        {
            args.Add("--ignore");
            args.Add(field);
        }
        foreach (var name in skipRootNames)
        {
            args.Add("--skip-root");
            args.Add(name);
        }
        args.Add(expected);
        args.Add(actual);
        var result = Run.Program("python3", args, timeout: TimeSpan.FromMinutes(5));
        if (result.ExitCode is not (0 or 1))
        {
            throw new IOException($"tree-manifest.py --compare {expected} {actual}: {result}");
        }
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
