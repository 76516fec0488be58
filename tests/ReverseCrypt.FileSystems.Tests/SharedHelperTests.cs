using ReverseCrypt.FileSystems.Backing;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>The shared helpers: inode map, handle table, backing tree descriptor cache, mountpoint guard.</summary>
public class SharedHelperTests
{
    private const ulong RootDev = 0x803;

    [Test]
    public void InodeMap_RootDevice_PassesInodesThrough_AndTagsVirtualFiles()
    {
        var map = new InodeMap(RootDev);
        Assert.Multiple(() =>
        {
            Assert.That(map.Map(RootDev, InodeMap.TagReal, 0xb1e42d), Is.EqualTo(0xb1e42dUL));
            Assert.That(map.Map(RootDev, InodeMap.TagDirIv, 0xb1e42d), Is.EqualTo(0x1000000b1e42dUL), "gocryptfs 2.3 showed this value");
            Assert.That(map.Map(RootDev, InodeMap.TagLongName, 5), Is.EqualTo((2UL << 48) | 5));
        });
    }

    [Test]
    public void InodeMap_OtherDevices_AreDeterministicAndDisjoint()
    {
        var first = new InodeMap(RootDev);
        var second = new InodeMap(RootDev);
        // Opposite order of first use: still the same numbers (stable across remounts).
        ulong a1 = first.Map(0x10, InodeMap.TagReal, 7), b1 = first.Map(0x20, InodeMap.TagReal, 7);
        ulong b2 = second.Map(0x20, InodeMap.TagReal, 7), a2 = second.Map(0x10, InodeMap.TagReal, 7);
        Assert.That((a1, b1), Is.EqualTo((a2, b2)));
        Assert.That(a1, Is.Not.EqualTo(b1));
        Assert.That(a1 >> 48, Is.GreaterThanOrEqualTo(3UL).And.LessThan(32767UL));
        Assert.That(a1 & ((1UL << 48) - 1), Is.EqualTo(7UL));

        var seen = new HashSet<ulong>();
        for (ulong dev = 1; dev < 3000; dev++)
        {
            Assert.That(seen.Add(first.Map(dev, InodeMap.TagReal, 42) >> 48), Is.True, $"namespace of device {dev} is unique");
        }
    }

    [Test]
    public void InodeMap_HugeInodes_Spill_AndTheRootIdIsReserved()
    {
        var map = new InodeMap(RootDev);
        ulong huge = 1UL << 50;
        ulong s1 = map.Map(RootDev, InodeMap.TagReal, huge);
        ulong s2 = map.Map(RootDev, InodeMap.TagReal, huge + 1);
        Assert.That(s1, Is.EqualTo(1UL << 63));
        Assert.That(s2, Is.EqualTo((1UL << 63) + 1));
        Assert.That(map.Map(RootDev, InodeMap.TagReal, huge), Is.EqualTo(s1), "remembered");
        Assert.That(map.Map(RootDev, InodeMap.TagReal, 1), Is.Not.EqualTo(1UL), "1 is the FUSE root node");
    }

    [Test]
    public void HandleTable_ReusesSlots_ButNotNumbers()
    {
        var table = new HandleTable<string>();
        ulong a = table.Add("a");
        Assert.That(a, Is.Not.Zero);
        Assert.That(table.Get(a), Is.EqualTo("a"));
        Assert.That(table.Remove(a), Is.EqualTo("a"));
        Assert.That(table.Get(a), Is.Null);
        ulong b = table.Add("b");
        Assert.That((uint)b, Is.EqualTo((uint)a), "slot reused");
        Assert.That(b, Is.Not.EqualTo(a), "number differs: a stale handle never reaches the new file");
        Assert.That(table.Get(a), Is.Null);
        Assert.That(table.Remove(a), Is.Null);
        var many = Enumerable.Range(0, 1000).Select(i => table.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.That(table.Get(many[999]), Is.EqualTo("999"));
        Assert.That(table.Count, Is.EqualTo(1001));
        Assert.That(table.RemoveAll(), Has.Count.EqualTo(1001));
        Assert.That(table.Count, Is.Zero);
    }

    private sealed class Node(BackingNode? parent, string name) : BackingNode(parent, System.Text.Encoding.UTF8.GetBytes(name));

    [Test]
    public void BackingTree_DescriptorCache_IsBounded_AndReopensEvictedDirectories()
    {
        using var dir = new TestDirectory();
        string root = dir.Sub("root");
        Directory.CreateDirectory(Path.Combine(root, "a/b/c/d"));
        File.WriteAllText(Path.Combine(root, "a/b/c/d/file"), "x");
        using var tree = new BackingTree(root, cacheCapacity: 2, revalidateAfter: TimeSpan.FromHours(1));
        var rootNode = new Node(null, "");
        var a = new Node(rootNode, "a");
        var b = new Node(a, "b");
        var c = new Node(b, "c");
        var d = new Node(c, "d");
        var file = new Node(d, "file");

        Assert.That(tree.Stat(file, out var st), Is.EqualTo(Errno.OK));
        Assert.That(st.Size, Is.EqualTo(1UL));
        Assert.That(tree.CachedDirectoryCount, Is.EqualTo(2), "capacity respected");
        using (var lease = tree.AcquireDirectory(b, out var errno))
        {
            Assert.That(errno, Is.EqualTo(Errno.OK));
            // Evicting a leased descriptor must not close it under the borrower.
            tree.Forget(b);
            Assert.That(Libc.StatxFd(lease.Fd, out var bStat), Is.EqualTo(Errno.OK));
            Assert.That(bStat.FileType, Is.EqualTo(0x4000u));
        }
        Assert.That(tree.Stat(file, out _), Is.EqualTo(Errno.OK));
        var missing = new Node(d, "missing");
        Assert.That(tree.Stat(missing, out _), Is.EqualTo(Errno.ENOENT));
        var notDir = new Node(file, "x");
        Assert.That(tree.Stat(notDir, out _), Is.EqualTo(Errno.ENOTDIR));
    }

    [Test]
    public void BackingTree_OpensRegularFilesOnly()
    {
        using var dir = new TestDirectory();
        string root = dir.Sub("root");
        File.WriteAllText(Path.Combine(root, "file"), "content");
        File.CreateSymbolicLink(Path.Combine(root, "link"), "file");
        Run.Ok($"mkfifo {Run.Quote(Path.Combine(root, "fifo"))}");
        using var tree = new BackingTree(root);
        var rootNode = new Node(null, "");
        using (var fd = tree.OpenRegularFile(new Node(rootNode, "file"), out var st, out var errno))
        {
            Assert.That(fd, Is.Not.Null, errno.ToString());
            Assert.That(st.Size, Is.EqualTo(7UL));
        }
        Assert.That(tree.OpenRegularFile(new Node(rootNode, "link"), out _, out var linkErrno), Is.Null);
        Assert.That(linkErrno, Is.EqualTo(Errno.EACCES), "a symlink is never followed");
        Assert.That(tree.OpenRegularFile(new Node(rootNode, "fifo"), out _, out var fifoErrno), Is.Null);
        Assert.That(fifoErrno, Is.EqualTo(Errno.EACCES));
    }

    [Test]
    public void MountpointGuard_DetectsMountpointsInsideThePlaintext()
    {
        using var dir = new TestDirectory();
        string plain = dir.Sub("plain");
        string sibling = dir.Sub("plain-sibling");
        Directory.CreateDirectory(Path.Combine(plain, "a/b"));
        File.CreateSymbolicLink(Path.Combine(dir.Path, "via-link"), plain);
        Assert.Multiple(() =>
        {
            Assert.That(MountpointGuard.IsInsidePlainRoot(plain, plain), Is.True, "the plaintext itself");
            Assert.That(MountpointGuard.IsInsidePlainRoot(plain, Path.Combine(plain, "a/b")), Is.True);
            Assert.That(MountpointGuard.IsInsidePlainRoot(plain, Path.Combine(dir.Path, "via-link", "a")), Is.True, "through a symlink");
            Assert.That(MountpointGuard.IsInsidePlainRoot(plain, Path.Combine(plain, "a/../a/b/")), Is.True);
            Assert.That(MountpointGuard.IsInsidePlainRoot(plain, sibling), Is.False, "a common prefix is not inside");
            Assert.That(MountpointGuard.IsInsidePlainRoot(plain, dir.Path), Is.False, "the parent is not inside");
            Assert.That(MountpointGuard.IsInsidePlainRoot(plain, Path.Combine(plain, "missing")), Is.False);
        });
    }
}
