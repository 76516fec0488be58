using System.Buffers.Binary;
using ReverseCrypt.FileSystems.Forward;

namespace ReverseCrypt.FileSystems.Tests.Forward;

/// <summary>The forward view's FUSE operations called in-process (no kernel in between), on a tree made by
/// `gocryptfs -reverse` + rsync.</summary>
[Category("Mount")]
public sealed class ForwardViewBehaviourTests
{
    private TestDirectory _dir = null!;
    private string _plain = null!;
    private string _copy = null!;
    private CryptoCore _core = null!;
    private ForwardFileSystem _fs = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _dir = new TestDirectory();
        (_plain, _copy, _) = Fwd.GocryptfsBackup(_dir, "head -c 10000 /dev/urandom > file; mkdir many; for i in $(seq 300); do : > many/entry-$i; done");
        _core = Fwd.OpenCore(_copy);
        // An encrypted xattr on the cipher file of "file", as a reverse view would show it.
        var xattrs = new XattrTransform(_core);
        var cipherFile = Directory.GetFiles(_copy).Single(f => new FileInfo(f).Length > 10000);
        var cipherName = new byte[XattrTransform.MaxCipherAttrNameLength];
        int nameLength = xattrs.EncryptName("user.note"u8, cipherName);
        var value = new byte[XattrTransform.CipherValueLength(5)];
        xattrs.EncryptValue(Encoding.ASCII.GetBytes(Path.GetFileName(cipherFile)), cipherName.AsSpan(0, nameLength), "hello"u8, value);
        Run.Ok($"setfattr -n {Encoding.ASCII.GetString(cipherName, 0, nameLength)} -v 0x{Convert.ToHexString(value)} {Run.Quote(cipherFile)}");
        _fs = new ForwardFileSystem(new ForwardOptions { CipherDir = _copy }, _core);
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        _fs?.Dispose();
        _core?.Dispose();
        _dir?.Dispose();
    }

    private ulong Lookup(ulong parent, string name)
    {
        Assert.That(_fs.Lookup(parent, Encoding.UTF8.GetBytes(name), out var entry), Is.EqualTo(Errno.OK), name);
        return entry.NodeId;
    }

    [Test]
    public void Lookup_UnknownOrSpecialNames_AreNotFound()
    {
        Assert.That(_fs.Lookup(FuseConstants.RootNodeId, "nope"u8, out _), Is.EqualTo(Errno.ENOENT));
        Assert.That(_fs.Lookup(FuseConstants.RootNodeId, "gocryptfs.conf"u8, out _), Is.EqualTo(Errno.ENOENT));
        Assert.That(_fs.Lookup(FuseConstants.RootNodeId, "gocryptfs.diriv"u8, out _), Is.EqualTo(Errno.ENOENT));
    }

    [Test]
    public void Open_ForWriting_IsRefusedAndReadsStopAtTheEnd()
    {
        var node = Lookup(FuseConstants.RootNodeId, "file");
        Assert.That(_fs.Open(node, 1 /* O_WRONLY */, out _, out _), Is.EqualTo(Errno.EROFS));
        Assert.That(_fs.Open(node, 0, out ulong handle, out _), Is.EqualTo(Errno.OK));
        var buffer = new byte[8192];
        Assert.That(_fs.Read(node, handle, 9000, buffer, out int n), Is.EqualTo(Errno.OK));
        Assert.That(n, Is.EqualTo(1000));
        Assert.That(_fs.Read(node, handle, 10000, buffer, out n), Is.EqualTo(Errno.OK));
        Assert.That(n, Is.Zero);
        Assert.That(_fs.Getattr(node, handle, out var attr, out _), Is.EqualTo(Errno.OK));
        Assert.That(attr.Size, Is.EqualTo(10000));
        _fs.Release(node, handle, 0);
        _fs.Forget(node, 1);
    }

    [Test]
    public void Read_AtBlockEdges_MatchesThePlaintext_AndAllocatesNothingInSteadyState()
    {
        byte[] expected = File.ReadAllBytes(Path.Combine(_plain, "file")); // 10,000 bytes: blocks 0, 1 and 1,808 bytes
        var node = Lookup(FuseConstants.RootNodeId, "file");
        Assert.That(_fs.Open(node, 0, out ulong handle, out _), Is.EqualTo(Errno.OK));
        var buffer = new byte[8192];
        (long Offset, int Length)[] reads =
            [(0, 8192), (0, 4096), (4095, 2), (4096, 4096), (4097, 4095), (100, 8192), (8191, 1), (8192, 8192), (9999, 1)];
        foreach (var (offset, length) in reads)
        {
            Assert.That(_fs.Read(node, handle, offset, buffer.AsSpan(0, length), out int n), Is.EqualTo(Errno.OK));
            int want = (int)Math.Min(length, expected.Length - offset);
            Assert.That(n, Is.EqualTo(want), $"{offset}+{length}");
            Assert.That(buffer.AsSpan(0, n).SequenceEqual(expected.AsSpan((int)offset, want)), Is.True, $"{offset}+{length}");
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            foreach (var (offset, length) in reads)
            {
                _fs.Read(node, handle, offset, buffer.AsSpan(0, length), out _);
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        _fs.Release(node, handle, 0);
        _fs.Forget(node, 1);
        Assert.That(allocated, Is.Zero, "bytes allocated by 450 reads after the first");
    }

    [Test]
    public void Xattrs_FollowTheSizeProbeProtocol()
    {
        var node = Lookup(FuseConstants.RootNodeId, "file");
        Assert.That(_fs.Listxattr(node, default, out int listLength), Is.EqualTo(Errno.OK));
        Assert.That(listLength, Is.EqualTo("user.note\0".Length));
        var list = new byte[listLength];
        Assert.That(_fs.Listxattr(node, list, out _), Is.EqualTo(Errno.OK));
        Assert.That(list, Is.EqualTo("user.note\0"u8.ToArray()));
        Assert.That(_fs.Getxattr(node, "user.note"u8, default, out int size), Is.EqualTo(Errno.OK));
        Assert.That(size, Is.EqualTo(5));
        Assert.That(_fs.Getxattr(node, "user.note"u8, new byte[4], out _), Is.EqualTo(Errno.ERANGE));
        var value = new byte[5];
        Assert.That(_fs.Getxattr(node, "user.note"u8, value, out _), Is.EqualTo(Errno.OK));
        Assert.That(value, Is.EqualTo("hello"u8.ToArray()));
        Assert.That(_fs.Getxattr(node, "user.other"u8, value, out _), Is.EqualTo(Errno.ENODATA));
        _fs.Forget(node, 1);
    }

    [Test]
    public void Readdir_ResumesFromOffsetsWithASmallBuffer()
    {
        var dir = Lookup(FuseConstants.RootNodeId, "many");
        Assert.That(_fs.Opendir(dir, 0, out ulong handle, out _), Is.EqualTo(Errno.OK));
        var names = new List<string>();
        long offset = 0;
        var buffer = new byte[512];
        while (true)
        {
            var writer = new FuseDirectoryWriter(buffer, plus: false);
            Assert.That(_fs.Readdir(dir, handle, offset, ref writer), Is.EqualTo(Errno.OK));
            if (writer.Count == 0)
            {
                break;
            }
            var written = writer.Written;
            while (written.Length > 0)
            {
                offset = BinaryPrimitives.ReadInt64LittleEndian(written[8..]);
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(written[16..]);
                names.Add(Encoding.UTF8.GetString(written.Slice(24, length)));
                written = written[((24 + length + 7) & ~7)..];
            }
        }
        _fs.Releasedir(dir, handle, 0);
        Assert.That(names, Is.EquivalentTo(new[] { ".", ".." }.Concat(Enumerable.Range(1, 300).Select(i => $"entry-{i}"))));
        _fs.Forget(dir, 1);
    }

    [Test]
    public void Statfs_ReportsTheCipherFilesystem()
    {
        Assert.That(_fs.Statfs(FuseConstants.RootNodeId, out var statfs), Is.EqualTo(Errno.OK));
        Assert.That(statfs.Blocks, Is.GreaterThan(0));
        Assert.That(statfs.Namelen, Is.EqualTo(255));
    }
}
