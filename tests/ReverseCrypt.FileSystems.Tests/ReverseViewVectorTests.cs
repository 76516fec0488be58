using System.Security.Cryptography;
using System.Text.Json;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// The view, driven in-process like the kernel drives it, against what real gocryptfs 2.3 -reverse showed for the
/// shared vector tree (names, sizes, content hashes, symlink targets), plus the view's own rules (docs/format.md 18).
/// </summary>
public class ReverseViewVectorTests : ReverseViewFixture
{
    private ReverseFileSystem _fs = null!;
    private ViewClient _view = null!;

    [SetUp]
    public void SetUp()
    {
        VectorTree.Unpack(Plain);
        (_fs, _view) = Create();
    }

    [Test]
    public void Walk_EveryEntry_MatchesGocryptfsReverse()
    {
        var seen = _view.Walk();
        var expected = VectorTree.Rows();

        Assert.That(seen.Keys.Order(StringComparer.Ordinal), Is.EqualTo(expected.Select(r => r.CipherPath).Order(StringComparer.Ordinal)));
        Assert.Multiple(() =>
        {
            foreach (var row in expected)
            {
                var got = seen[row.CipherPath];
                Assert.That(got.Type, Is.EqualTo(row.Type), row.CipherPath);
                if (row.CipherSize is long size)
                {
                    Assert.That(got.Size, Is.EqualTo(size), row.CipherPath);
                }
                if (row.Type == "file")
                {
                    Assert.That(got.Sha256, Is.EqualTo(row.Sha256OrTarget), row.CipherPath);
                }
                else if (row.Type == "symlink")
                {
                    Assert.That(got.LinkTarget, Is.EqualTo(row.Sha256OrTarget), row.CipherPath);
                }
            }
        });
    }

    [Test]
    public void Readdir_WithoutPlus_ListsTheSameNamesWithDots()
    {
        var plus = _view.List(FuseConstants.RootNodeId, plus: true).Select(e => e.Name).ToList();
        var plain = _view.List(FuseConstants.RootNodeId, plus: false, bufferSize: 512).Select(e => e.Name).ToList();

        Assert.That(plain, Is.EqualTo(plus));
        Assert.That(plain.Take(2), Is.EqualTo(new[] { ".", ".." }), "FORMAT 18: . and .. are listed first");
        Assert.That(plain.Count(n => n == "gocryptfs.diriv"), Is.EqualTo(1));
    }

    [Test]
    public void Readdir_MixingPlusAndPlainRequests_ContinuesTheSameList_AndRewinds()
    {
        var expected = _view.List(FuseConstants.RootNodeId).Select(e => e.Name).ToList();
        Assert.That(_fs.Opendir(FuseConstants.RootNodeId, 0, out ulong fh, out _), Is.EqualTo(Errno.OK));
        var seen = new List<ViewDirEntry>();
        long offset = 0;
        bool plus = false;
        while (true)
        {
            var buffer = new byte[plus ? 700 : 300];
            var writer = new FuseDirectoryWriter(buffer, plus);
            var errno = plus ? _fs.Readdirplus(FuseConstants.RootNodeId, fh, offset, ref writer)
                : _fs.Readdir(FuseConstants.RootNodeId, fh, offset, ref writer);
            Assert.That(errno, Is.EqualTo(Errno.OK));
            if (writer.Count == 0)
            {
                break;
            }
            offset = ViewClient.Parse(writer.Written, plus, seen);
            plus = !plus;   // the kernel's "auto" mode switches between both kinds
        }
        Assert.That(seen.Select(e => e.Name), Is.EqualTo(expected));

        var again = new FuseDirectoryWriter(new byte[4096], false);
        Assert.That(_fs.Readdir(FuseConstants.RootNodeId, fh, 0, ref again), Is.EqualTo(Errno.OK));
        var rewound = new List<ViewDirEntry>();
        ViewClient.Parse(again.Written, false, rewound);
        Assert.That(rewound.Select(e => e.Name), Is.EqualTo(expected.Take(rewound.Count)), "offset 0 starts over");
        Assert.That(_fs.Releasedir(FuseConstants.RootNodeId, fh, 0), Is.EqualTo(Errno.OK));
    }

    [Test]
    public void Read_AtRandomOffsets_ReturnsSlicesOfTheWholeFile()
    {
        var rows = VectorTree.Rows().Where(r => r.Type == "file" && r.CipherSize > 0 && !r.PlainPath.StartsWith('(')).ToList();
        var random = new Random(1234);
        foreach (var row in rows)
        {
            var entry = _view.Resolve(row.CipherPath);
            var whole = _view.ReadAll(entry.NodeId, chunk: 4096);
            Assert.That(_fs.Open(entry.NodeId, 0, out ulong fh, out _), Is.EqualTo(Errno.OK));
            try
            {
                for (int i = 0; i < 200; i++)
                {
                    long offset = random.Next(0, whole.Length + 50);
                    int length = random.Next(1, 9000);
                    var buffer = new byte[length];
                    Assert.That(_fs.Read(entry.NodeId, fh, offset, buffer, out int n), Is.EqualTo(Errno.OK));
                    // FORMAT 8.5: a request reaching past the header with no data at its data position gets 0 bytes,
                    // even the header part; otherwise the slice of the whole file.
                    long dataStart = Math.Max(offset, 18);
                    bool noData = offset + length > 18 && dataStart >= whole.Length;
                    int expected = noData ? 0 : (int)Math.Max(0, Math.Min(length, whole.Length - offset));
                    Assert.That(n, Is.EqualTo(expected), $"{row.PlainPath} at {offset}+{length}");
                    if (n > 0)
                    {
                        Assert.That(buffer.AsSpan(0, n).SequenceEqual(whole.AsSpan((int)offset, n)), Is.True, $"{row.PlainPath} at {offset}+{length}");
                    }
                }
            }
            finally
            {
                _fs.Release(entry.NodeId, fh, 0);
            }
        }
    }

    [Test]
    public void Read_InsideTheHeaderOnly_ReturnsHeaderBytes()
    {
        var entry = _view.Lookup(FuseConstants.RootNodeId, "vsdwq_rJ3n6T6bjNlQtV1g");    // "one"
        Assert.That(_fs.Open(entry.NodeId, 0, out ulong fh, out _), Is.EqualTo(Errno.OK));
        var buffer = new byte[10];
        Assert.That(_fs.Read(entry.NodeId, fh, 2, buffer, out int n), Is.EqualTo(Errno.OK));
        _fs.Release(entry.NodeId, fh, 0);
        Assert.That(n, Is.EqualTo(10));
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(VectorTree.VectorsDir, "reverse_tree_vectors.json")));
        string header = json.RootElement.GetProperty("entries").EnumerateArray()
            .First(e => e.GetProperty("cipher_path").GetString() == "vsdwq_rJ3n6T6bjNlQtV1g").GetProperty("header_hex").GetString()!;
        Assert.That(Convert.ToHexStringLower(buffer), Is.EqualTo(header[4..24]));
    }

    [Test]
    public void InodeNumbers_FollowFormat18()
    {
        var root = _view.List(FuseConstants.RootNodeId);
        var rootStat = Stat(Plain);
        Assert.Multiple(() =>
        {
            Assert.That(_fs.Getattr(FuseConstants.RootNodeId, null, out var rootAttr, out _), Is.EqualTo(Errno.OK));
            Assert.That(rootAttr.Ino, Is.EqualTo(1UL), "root = FUSE root node id");
            Assert.That(root.Single(e => e.Name == "gocryptfs.diriv").Attr.Ino, Is.EqualTo((1UL << 48) | rootStat.Ino));
            Assert.That(root.Single(e => e.Name == "vsdwq_rJ3n6T6bjNlQtV1g").Attr.Ino, Is.EqualTo(Stat(Path.Combine(Plain, "one")).Ino));
            var longName = root.Single(e => e.Name == "gocryptfs.longname.ava97_U9_YP1KltUGW9v1mGQ9WBJlQ26nEzKx0U_xso");
            var dotName = root.Single(e => e.Name == longName.Name + ".name");
            ulong plainIno = Stat(Path.Combine(Plain, new string('c', 176))).Ino;
            Assert.That(longName.Attr.Ino, Is.EqualTo(plainIno));
            Assert.That(dotName.Attr.Ino, Is.EqualTo((2UL << 48) | plainIno));
        });
    }

    [Test]
    public void VirtualFiles_HaveTheirSourcesAttributesWithOverrides()
    {
        var subdir = _view.Lookup(FuseConstants.RootNodeId, "Vcuj0qWuypftLnu0bsbVJA");
        var diriv = _view.Lookup(subdir.NodeId, "gocryptfs.diriv");
        var dirStat = Stat(Path.Combine(Plain, "subdir"));
        Assert.Multiple(() =>
        {
            Assert.That(diriv.Attr.Mode, Is.EqualTo(0x8000u | 0x124u), "0100444");
            Assert.That(diriv.Attr.Size, Is.EqualTo(16UL));
            Assert.That(diriv.Attr.Nlink, Is.EqualTo(1u));
            Assert.That(diriv.Attr.Uid, Is.EqualTo(dirStat.Uid));
            Assert.That(diriv.Attr.Mtime, Is.EqualTo(dirStat.Mtime.Sec + 10), "FORMAT 18: +10 s like gocryptfs >= 2.5");
            Assert.That(diriv.Attr.MtimeNsec, Is.EqualTo(dirStat.Mtime.Nsec));
            Assert.That(diriv.Attr.Atime, Is.EqualTo(dirStat.Atime.Sec));
            Assert.That(diriv.EntryTimeout, Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(diriv.AttrTimeout, Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(VectorTree.VectorsDir, "reverse_tree_vectors.json")));
        var expected = json.RootElement.GetProperty("entries").EnumerateArray()
            .First(e => e.GetProperty("cipher_path").GetString() == "Vcuj0qWuypftLnu0bsbVJA/gocryptfs.diriv");
        Assert.That(Convert.ToHexStringLower(_view.ReadAll(diriv.NodeId)), Is.EqualTo(expected.GetProperty("content").GetString()));
    }

    [Test]
    public void RegularFileStat_ReportsCipherSize_AndPlaintextMetadata()
    {
        var entry = _view.Lookup(FuseConstants.RootNodeId, "myTOmzxmiyWAdxoDUtcsGw");   // f10000
        var st = Stat(Path.Combine(Plain, "f10000"));
        Assert.Multiple(() =>
        {
            Assert.That(entry.Attr.Size, Is.EqualTo(10114UL));
            Assert.That(entry.Attr.Mode, Is.EqualTo((uint)st.Mode));
            Assert.That(entry.Attr.Mtime, Is.EqualTo(st.Mtime.Sec));
            Assert.That(entry.Attr.MtimeNsec, Is.EqualTo(st.Mtime.Nsec));
            Assert.That(entry.Attr.Blocks, Is.EqualTo(st.Blocks), "FORMAT 11.1: blocks are not adjusted");
        });
    }

    [TestCase("doesnotexist")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAA")]                       // decodes, but the padding check fails
    [TestCase("not!base64")]
    [TestCase("gocryptfs.longname.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("gocryptfs.longname.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.name")]
    public void Lookup_OfNamesThatDoNotExist_IsEnoent(string name)
    {
        Assert.That(_view.TryLookup(FuseConstants.RootNodeId, name, out _), Is.EqualTo(Errno.ENOENT));
    }

    [Test]
    public void Lookup_OfTheConfigUnderItsEncryptedName_IsEnoent()
    {
        // The in-tree config is only ever shown as gocryptfs.conf (FORMAT 3.1).
        var names = new NameTransform(Core);
        var cipher = new byte[NameTransform.MaxCipherNameLength];
        int length = names.EncryptName(NameTransform.ReverseConfFileName, PathIv.RootDirIv, cipher);
        Assert.That(_fs.Lookup(FuseConstants.RootNodeId, cipher.AsSpan(0, length), out _), Is.EqualTo(Errno.ENOENT));
        Assert.That(_view.ReadAll(_view.Lookup(FuseConstants.RootNodeId, "gocryptfs.conf").NodeId),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(Plain, ".gocryptfs.reverse.conf"))));
    }

    [Test]
    public void LongNameLookup_WithoutAListing_FindsTheEntryByScanning()
    {
        var dotName = _view.Lookup(FuseConstants.RootNodeId, "gocryptfs.longname.ZA79nZCdzaPodQ42WXj-G6KrOCIL7SYOcWpBqKSX9po.name");
        var entry = _view.Lookup(FuseConstants.RootNodeId, "gocryptfs.longname.ZA79nZCdzaPodQ42WXj-G6KrOCIL7SYOcWpBqKSX9po");
        Assert.That(dotName.Attr.Size, Is.EqualTo(342UL), "255-byte name -> 342 characters");
        Assert.That(_view.ReadAll(dotName.NodeId).Length, Is.EqualTo(342));
        Assert.That(entry.Attr.Ino, Is.EqualTo(Stat(Path.Combine(Plain, new string('M', 255))).Ino));
    }

    [Test]
    public void Xattrs_AreEncryptedAsInFormat10()
    {
        var vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(VectorTree.VectorsDir, "primitives_vectors.json")))
            .RootElement.GetProperty("xattr_computed_only");
        string cipherName = vectors.GetProperty("cipher_attr_name").GetString()!;
        string cipherValue = vectors.GetProperty("cipher_value (nonce||tag||ct)").GetString()!;
        var one = _view.Lookup(FuseConstants.RootNodeId, vectors.GetProperty("file_cipher_path").GetString()!);

        Assert.That(_fs.Listxattr(one.NodeId, default, out int listSize), Is.EqualTo(Errno.OK));
        var list = new byte[listSize];
        Assert.That(_fs.Listxattr(one.NodeId, list, out int listLength), Is.EqualTo(Errno.OK));
        Assert.That(ViewClient.S(list.AsSpan(0, listLength)), Is.EqualTo(cipherName + "\0"));

        Assert.That(_fs.Getxattr(one.NodeId, ViewClient.B(cipherName), default, out int valueSize), Is.EqualTo(Errno.OK));
        Assert.That(valueSize, Is.EqualTo(cipherValue.Length / 2));
        var value = new byte[valueSize];
        Assert.That(_fs.Getxattr(one.NodeId, ViewClient.B(cipherName), value, out int valueLength), Is.EqualTo(Errno.OK));
        Assert.That(Convert.ToHexStringLower(value.AsSpan(0, valueLength)), Is.EqualTo(cipherValue));

        Assert.That(_fs.Getxattr(one.NodeId, ViewClient.B(cipherName), new byte[10], out _), Is.EqualTo(Errno.ERANGE));
        Assert.That(_fs.Getxattr(one.NodeId, "user.greeting"u8, new byte[100], out _), Is.EqualTo(Errno.ENODATA),
            "plaintext names are not reachable");
        Assert.That(_fs.Getxattr(one.NodeId, "user.gocryptfs.AAAAAAAAAAAAAAAAAAAAAA"u8, new byte[100], out _), Is.EqualTo(Errno.ENODATA));
    }

    [Test]
    public void Forget_AfterReaddirplus_DropsEveryNode()
    {
        var entries = _view.List(FuseConstants.RootNodeId).Where(e => e.Name is not ("." or "..")).ToList();
        Assert.That(_fs.NodeCount, Is.EqualTo(entries.Count + 1));
        var again = _view.List(FuseConstants.RootNodeId).Where(e => e.Name is not ("." or "..")).ToList();
        Assert.That(again.Select(e => e.NodeId), Is.EqualTo(entries.Select(e => e.NodeId)), "same names keep their node ids");
        foreach (var e in entries)
        {
            _fs.Forget(e.NodeId, 2);
        }
        Assert.That(_fs.NodeCount, Is.EqualTo(1));
        Assert.That(_fs.Tree.CachedDirectoryCount, Is.Zero, "forgotten directories release their descriptors");
    }

    /// <summary>No allocation per READ: 3000 reads after 2000 of warm-up allocate less than one byte per read on this
    /// thread. The bound, not an exact zero after sleeps meant to let tiered compilation settle: an exact zero also
    /// counts one-off runtime work that lands on this thread during the window (the sleeps decided whether it did, and
    /// on a busy machine they are not long enough), while one object (24 bytes) per read exceeds the bound 24 times.
    /// No timing decides the result.</summary>
    [Test]
    public void Read_InSteadyState_AllocatesNothing()
    {
        const int Reads = 3000;
        var entry = _view.Lookup(FuseConstants.RootNodeId, "myTOmzxmiyWAdxoDUtcsGw");   // f10000: 3 blocks
        Assert.That(_fs.Open(entry.NodeId, 0, out ulong fh, out _), Is.EqualTo(Errno.OK));
        var buffer = new byte[8192];
        for (int i = 0; i < 2000; i++)
        {
            _fs.Read(entry.NodeId, fh, i % 3 * 4000, buffer, out _);     // the thread's buffers, the first tiers
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Reads; i++)
        {
            _fs.Read(entry.NodeId, fh, i % 3 * 4000, buffer, out _);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        _fs.Release(entry.NodeId, fh, 0);
        Assert.That(allocated, Is.LessThan(Reads), $"less than one byte per read over {Reads} reads");
    }

    [Test]
    public void Open_ForWriting_IsRefused()
    {
        var entry = _view.Lookup(FuseConstants.RootNodeId, "vsdwq_rJ3n6T6bjNlQtV1g");
        Assert.That(_fs.Open(entry.NodeId, 1, out _, out _), Is.EqualTo(Errno.EROFS));
        Assert.That(_fs.Open(entry.NodeId, 2, out _, out _), Is.EqualTo(Errno.EROFS));
        Assert.That(_fs.Access(entry.NodeId, 2), Is.EqualTo(Errno.EROFS));
    }

    [Test]
    public void Statfs_IsThatOfThePlaintextFilesystem()
    {
        Assert.That(_fs.Statfs(FuseConstants.RootNodeId, out var statfs), Is.EqualTo(Errno.OK));
        Assert.That(statfs.Blocks, Is.GreaterThan(0UL));
        Assert.That(statfs.Namelen, Is.EqualTo(255u));
    }

    internal static Libc.StatxBuffer Stat(string path)
    {
        using var fd = Backing.BackingTree.OpenPath(path, Libc.OpenFlags.O_PATH | Libc.OpenFlags.O_NOFOLLOW, out var errno);
        Assert.That(fd, Is.Not.Null, $"{path}: {errno}");
        Assert.That(Libc.StatxFd(fd!, out var st), Is.EqualTo(Errno.OK));
        return st;
    }

    internal static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
