using ReverseCrypt.Format.Content;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// Issue 12 in-process: what an OPEN pins (the size the kernel was last told, from LOOKUP, READDIRPLUS or GETATTR),
/// the open flags of a changed file, GETATTR on an open file, and <see cref="ReverseFileSystem.ChangedWhileServed"/>.
/// The mounted behaviour (page cache, rsync, gocryptfs -ro) is in <see cref="ReverseChangingFileTests"/>.
/// </summary>
public class ReverseViewPinningTests : ReverseViewFixture
{
    private string CipherName(string plainName)
    {
        var names = new NameTransform(Core);
        var cipher = new byte[NameTransform.MaxCipherNameLength];
        int n = names.EncryptName(ViewClient.B(plainName), PathIv.RootDirIv.ToArray(), cipher);
        return ViewClient.S(cipher.AsSpan(0, n));
    }

    private string P(string relative) => Path.Combine(Plain, relative);

    private static byte[] Read(ReverseFileSystem fs, ulong nodeId, ulong fh, long offset, int length, out Errno errno)
    {
        var buffer = new byte[length];
        errno = fs.Read(nodeId, fh, offset, buffer, out int n);
        return buffer.AsSpan(0, n).ToArray();
    }

    [Test]
    public void GrownSinceLookup_OpenPinsTheToldSize_DirectIo_AndGetattrOfTheHandleShowsIt()
    {
        File.WriteAllBytes(P("grows"), new byte[5000]);
        var (fs, view) = Create();
        var entry = view.Lookup(FuseConstants.RootNodeId, CipherName("grows"));
        var told = view.ReadAll(entry.NodeId);
        Assert.That(told.LongLength, Is.EqualTo(ContentLayout.PlainToCipherSize(5000)));
        File.AppendAllText(P("grows"), new string('x', 3000));

        Assert.That(fs.Open(entry.NodeId, 0, out ulong fh, out var flags), Is.EqualTo(Errno.OK));
        try
        {
            Assert.That(flags, Is.EqualTo(FuseOpenFlags.DirectIo), "changed since the kernel was told: no page cache");
            Assert.That(Read(fs, entry.NodeId, fh, 0, 1 << 20, out var errno), Is.EqualTo(told), "the state of 5000 bytes");
            Assert.That(errno, Is.EqualTo(Errno.OK));
            Assert.That(Read(fs, entry.NodeId, fh, told.Length, 4096, out _), Is.Empty, "then the end");
            Assert.That(fs.Getattr(entry.NodeId, fh, out var attr, out _), Is.EqualTo(Errno.OK));
            Assert.That(attr.Size, Is.EqualTo((ulong)told.Length), "fstat of the open file: the pinned size");
            Assert.That(fs.Getattr(entry.NodeId, null, out var pathAttr, out _), Is.EqualTo(Errno.OK));
            Assert.That(pathAttr.Size, Is.EqualTo((ulong)told.Length), "stat by node while open (fstat sends no handle): the pinned size");
            Assert.That(Read(fs, entry.NodeId, fh, 0, 1 << 20, out _), Is.EqualTo(told), "the open keeps its size");
        }
        finally
        {
            fs.Release(entry.NodeId, fh, 0);
        }
        Assert.That(fs.ChangedWhileServed.Select(p => Encoding.UTF8.GetString(p)), Is.EqualTo(new[] { "grows" }));

        // Closed: a GETATTR tells the kernel 8000 bytes, and the next open serves them through the page cache.
        Assert.That(fs.Getattr(entry.NodeId, null, out var closedAttr, out _), Is.EqualTo(Errno.OK));
        Assert.That(closedAttr.Size, Is.EqualTo((ulong)ContentLayout.PlainToCipherSize(8000)), "stat by node: the file now");
        Assert.That(fs.Open(entry.NodeId, 0, out ulong fh2, out var flags2), Is.EqualTo(Errno.OK));
        Assert.That(flags2.HasFlag(FuseOpenFlags.DirectIo), Is.False);
        Assert.That(Read(fs, entry.NodeId, fh2, 0, 1 << 20, out _).LongLength, Is.EqualTo(ContentLayout.PlainToCipherSize(8000)));
        fs.Release(entry.NodeId, fh2, 0);
        Assert.That(fs.ChangedWhileServedCount, Is.EqualTo(1), "listed once");
    }

    [Test]
    public void ShrunkUnderTheHandle_ReadsOfTheMissingPartAreEio_EarlierBlocksAreServed()
    {
        File.WriteAllBytes(P("shrinks"), new byte[3 * 4096]);
        var (fs, view) = Create();
        var entry = view.Lookup(FuseConstants.RootNodeId, CipherName("shrinks"));
        Assert.That(fs.Open(entry.NodeId, 0, out ulong fh, out var flags), Is.EqualTo(Errno.OK));
        Assert.That(flags.HasFlag(FuseOpenFlags.DirectIo), Is.False, "unchanged at open");
        try
        {
            using (var f = new FileStream(P("shrinks"), FileMode.Open))
            {
                f.SetLength(4096 + 10);
            }
            Assert.That(Read(fs, entry.NodeId, fh, 0, 18 + 4128, out var ok).Length, Is.EqualTo(18 + 4128), "block 0 is whole");
            Assert.That(ok, Is.EqualTo(Errno.OK));
            Read(fs, entry.NodeId, fh, 18 + 4128, 4128, out var cut);
            Assert.That(cut, Is.EqualTo(Errno.EIO), "block 1 has 10 of its 4096 bytes: never served cut");
            Read(fs, entry.NodeId, fh, 0, 1 << 20, out var across);
            Assert.That(across, Is.EqualTo(Errno.EIO), "a request reaching the missing part");
            Read(fs, entry.NodeId, fh, 18 + 2 * 4128 + 5, 10, out var gone);
            Assert.That(gone, Is.EqualTo(Errno.EIO), "a block that is gone: not zeros, not the end");
        }
        finally
        {
            fs.Release(entry.NodeId, fh, 0);
        }
        Assert.That(fs.ChangedWhileServed.Select(p => Encoding.UTF8.GetString(p)), Is.EqualTo(new[] { "shrinks" }));
    }

    [Test]
    public void UnchangedFiles_AreNotListed_ChangedOnesAreListedByTheirPlaintextPathInBytes()
    {
        Directory.CreateDirectory(P("dir"));
        File.WriteAllBytes(P("still"), new byte[100]);
        // A name that is not UTF-8: paths are bytes.
        Run.Ok($"printf x > {Run.Quote(P("dir"))}/$'n\\xffx'");
        var (fs, view) = Create();
        var still = view.Lookup(FuseConstants.RootNodeId, CipherName("still"));
        view.ReadAll(still.NodeId);
        view.ReadAll(still.NodeId);

        var dir = view.Lookup(FuseConstants.RootNodeId, CipherName("dir"));
        var entry = view.List(dir.NodeId).Single(e => e.Name is not ("." or ".." or "gocryptfs.diriv"));
        Run.Ok($"touch -d 2021-01-01 {Run.Quote(P("dir"))}/$'n\\xffx'");
        view.ReadAll(entry.NodeId);
        Assert.That(fs.ChangedWhileServed, Is.EqualTo(new[] { new byte[] { (byte)'d', (byte)'i', (byte)'r', (byte)'/', (byte)'n', 0xff, (byte)'x' } }),
            "an mtime change alone counts; the file read twice unchanged does not");
    }

    [Test]
    public void ToldLongerAgoThanTheAttributeTimeout_OpenPinsTheFileAsItIsNow_AndRepliesShowThePinWhileOpen()
    {
        File.WriteAllBytes(P("grows"), new byte[5000]);
        File.WriteAllBytes(P("shrinks"), new byte[10000]);
        var (fs, view) = Create(new ReverseOptions(Plain) { AttrTimeout = TimeSpan.Zero });
        var grows = view.Lookup(FuseConstants.RootNodeId, CipherName("grows"));
        var shrinks = view.Lookup(FuseConstants.RootNodeId, CipherName("shrinks"));
        Thread.Sleep(TimeSpan.FromSeconds(0.7));    // the kernel asks again before it uses these sizes
        File.AppendAllText(P("grows"), new string('x', 3000));
        using (var f = new FileStream(P("shrinks"), FileMode.Open))
        {
            f.SetLength(3000);
        }

        Assert.That(fs.Open(grows.NodeId, 0, out ulong fh, out var flags), Is.EqualTo(Errno.OK));
        try
        {
            Assert.That(flags.HasFlag(FuseOpenFlags.DirectIo), Is.False, "serves the file as it is");
            Assert.That(Read(fs, grows.NodeId, fh, 0, 1 << 20, out _).LongLength, Is.EqualTo(ContentLayout.PlainToCipherSize(8000)));
            File.AppendAllText(P("grows"), new string('y', 1000));
            Assert.That(fs.Getattr(grows.NodeId, null, out var attr, out _), Is.EqualTo(Errno.OK));
            Assert.That(attr.Size, Is.EqualTo((ulong)ContentLayout.PlainToCipherSize(8000)), "stat while open: the pinned size");
            Assert.That(view.TryLookup(FuseConstants.RootNodeId, CipherName("grows"), out var again), Is.EqualTo(Errno.OK));
            Assert.That(again.Attr.Size, Is.EqualTo((ulong)ContentLayout.PlainToCipherSize(8000)), "lookup while open too");
        }
        finally
        {
            fs.Release(grows.NodeId, fh, 0);
        }
        Assert.That(fs.Getattr(grows.NodeId, null, out var closed, out _), Is.EqualTo(Errno.OK));
        Assert.That(closed.Size, Is.EqualTo((ulong)ContentLayout.PlainToCipherSize(9000)), "closed: the file as it is");

        var shrunk = view.ReadAll(shrinks.NodeId);
        Assert.That(shrunk.LongLength, Is.EqualTo(ContentLayout.PlainToCipherSize(3000)), "shrunk before the open: no error");
        Assert.That(fs.ChangedWhileServed.Select(p => Encoding.UTF8.GetString(p)).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "grows", "shrinks" }), "both differ from what the kernel was told");
    }
}
