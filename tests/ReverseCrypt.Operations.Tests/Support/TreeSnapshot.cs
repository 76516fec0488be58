using System.Globalization;

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
/// A byte-exact description of a directory tree as the independent oracle (tests/tree-manifest.py, through
/// <see cref="TreeManifest"/>) saw it: names as bytes, never following symlinks; types, modes, owners, sizes, SHA-256
/// of contents, symlink targets, device numbers, xattrs (incl. ACLs), mtimes with nanoseconds and hard-link groups.
/// No product code reads the tree, so a bug in the product's I/O layer cannot hide on both sides of a comparison.
/// Two snapshots are compared field by field.
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
        var entries = TreeManifest.Walk(root, content: true, tolerateReadErrors, skipRootNames)
            .Select(e => (Path: e.Path.Length == 0 ? "." : Display(e.Path), Entry: e))
            .OrderBy(n => n.Path, StringComparer.Ordinal);
        var groups = new Dictionary<(ulong, ulong), string>();
        foreach (var (path, e) in entries)
        {
            string group = "";
            if (e.Type != "dir" && e.Nlink > 1)
            {
                var key = (e.Dev, e.Ino);
                if (!groups.TryGetValue(key, out var first))
                {
                    groups.Add(key, first = path);
                }
                group = first;
            }
            string content = e.Type switch
            {
                "file" => e.Sha256!,
                "symlink" => e.TargetError ?? "-> " + Display(e.Target!),
                _ => "",
            };
            string xattrs = string.Join(";", e.Xattrs
                .Select(x => $"{Display(x.Name)}={x.ValueHex}")
                .Order(StringComparer.Ordinal));
            nodes[path] = new SnapshotNode(e.Type, e.Mode, e.Uid, e.Gid, e.Type == "dir" ? 0 : e.Size, e.MtimeSec,
                e.MtimeNsec, content, e.Type is "chardev" or "blockdev" ? ((ulong)e.RdevMajor << 32) | e.RdevMinor : 0,
                xattrs, group, e.Blocks * 512);
        }
        return new TreeSnapshot(nodes);
    }

    /// <summary>
    /// Names for keys and messages, written here rather than borrowed from the product: UTF-8 where valid and
    /// printable, "\\" for a backslash, every other byte as \xNN (the same text the product's BytePath.Display gives,
    /// so keys match the paths the tests name).
    /// </summary>
    public static string Display(ReadOnlySpan<byte> path)
    {
        var text = new StringBuilder(path.Length);
        int i = 0;
        while (i < path.Length)
        {
            var status = Rune.DecodeFromUtf8(path[i..], out var rune, out int consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{path[i]:x2}");
                i++;
                continue;
            }
            if (rune.Value == '\\')
            {
                text.Append("\\\\");
            }
            else if (rune.Value < 0x20 || rune.Value == 0x7f || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format
                         or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                foreach (byte b in path.Slice(i, consumed))
                {
                    text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
                }
            }
            else
            {
                text.Append(rune.ToString());
            }
            i += consumed;
        }
        return text.ToString();
    }

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
