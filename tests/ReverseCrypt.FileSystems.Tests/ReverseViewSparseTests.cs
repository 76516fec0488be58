using ReverseCrypt.Format.Content;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// Issue 13 item 3 in-process: each whole 4 KiB block inside a plaintext hole is served as 4128 zero bytes (docs/format.md
/// 8.5, 18), every other block exactly as with <see cref="ReverseOptions.Sparse"/> off (whose identity with gocryptfs
/// is checked in <see cref="ReverseMountTests"/>), at any offset and length; the map of one open stays fixed while data
/// is written into a hole. The mounted round trips (gocryptfs -ro, restore, rsync) are in the mount tests.
/// </summary>
public class ReverseViewSparseTests : ReverseViewFixture
{
    private const int Block = ContentLayout.PlainBlockSize;
    private const int CipherBlock = ContentLayout.CipherBlockSize;
    private const int Header = ContentLayout.HeaderSize;

    private string CipherName(string plainName)
    {
        var names = new NameTransform(Core);
        var cipher = new byte[NameTransform.MaxCipherNameLength];
        int n = names.EncryptName(ViewClient.B(plainName), PathIv.RootDirIv.ToArray(), cipher);
        return ViewClient.S(cipher.AsSpan(0, n));
    }

    private string P(string relative) => Path.Combine(Plain, relative);

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> into an existing file, leaving the rest.</summary>
    private void WriteAt(string name, long offset, byte[] data)
    {
        using var f = new FileStream(P(name), FileMode.Open, FileAccess.Write);
        f.Position = offset;
        f.Write(data);
    }

    /// <summary>A file of 10 blocks and 100 bytes: data in block 0 and (a few bytes) in block 5, holes elsewhere, the
    /// last, partial block inside the final hole.</summary>
    private void CreateSparse(string name)
    {
        using (var f = new FileStream(P(name), FileMode.CreateNew))
        {
            f.SetLength((10 * Block) + 100);
        }
        WriteAt(name, 0, Random(Block, 1));
        WriteAt(name, (5 * Block) + 10, Random(20, 2));
    }

    private static bool IsZeroBlock(byte[] view, long block) =>
        !view.AsSpan((int)(Header + (block * CipherBlock)), (int)Math.Min(CipherBlock, view.Length - Header - (block * CipherBlock)))
            .ContainsAnyExcept((byte)0);

    private static byte[] Read(ReverseFileSystem fs, ulong nodeId, ulong fh, long offset, int length)
    {
        var buffer = new byte[length];
        Assert.That(fs.Read(nodeId, fh, offset, buffer, out int n), Is.EqualTo(Errno.OK), $"read {length} at {offset}");
        return buffer.AsSpan(0, n).ToArray();
    }

    [Test]
    public void WholeHoleBlocks_AreAllZero_EveryOtherByteIsAsWithoutSparse()
    {
        CreateSparse("sparse");
        var (_, sparse) = Create();
        var (_, strict) = Create(new ReverseOptions(Plain) { Sparse = false });
        string name = CipherName("sparse");
        var shown = sparse.ReadAll(sparse.Lookup(FuseConstants.RootNodeId, name).NodeId);
        var exact = strict.ReadAll(strict.Lookup(FuseConstants.RootNodeId, name).NodeId);

        Assert.That(shown.LongLength, Is.EqualTo(ContentLayout.PlainToCipherSize((10 * Block) + 100)));
        Assert.That(shown, Has.Length.EqualTo(exact.Length));
        var zeroBlocks = Enumerable.Range(0, 11).Where(b => IsZeroBlock(shown, b)).ToArray();
        Assert.That(zeroBlocks, Is.EqualTo(new[] { 1, 2, 3, 4, 6, 7, 8, 9 }),
            "the whole blocks inside holes; block 5 holds data, the last (partial) block is always encrypted");
        Assert.That(Enumerable.Range(0, 11).Count(b => IsZeroBlock(exact, b)), Is.Zero, "--no-sparse encrypts every block");
        for (int b = 0; b < 11; b++)
        {
            if (!zeroBlocks.Contains(b))
            {
                int start = Header + (b * CipherBlock);
                int length = Math.Min(CipherBlock, shown.Length - start);
                Assert.That(shown.AsSpan(start, length).SequenceEqual(exact.AsSpan(start, length)), Is.True, $"block {b} as without sparse");
            }
        }
        Assert.That(shown.AsSpan(0, Header).SequenceEqual(exact.AsSpan(0, Header)), Is.True, "the header");
    }

    [Test]
    public void ReadsAtAnyOffsetAndLength_AreSlicesOfTheWholeView()
    {
        CreateSparse("sparse");
        var (fs, view) = Create();
        var entry = view.Lookup(FuseConstants.RootNodeId, CipherName("sparse"));
        var whole = view.ReadAll(entry.NodeId);
        Assert.That(fs.Open(entry.NodeId, 0, out ulong fh, out _), Is.EqualTo(Errno.OK));
        try
        {
            var random = new Random(13);
            for (int i = 0; i < 400; i++)
            {
                // Edges of hole blocks cut at every kind of place: inside the header, mid-block, across several blocks.
                long offset = random.Next(0, whole.Length + 20);
                int length = random.Next(1, 4 * CipherBlock);
                var got = Read(fs, entry.NodeId, fh, offset, length);
                int expected = (int)Math.Max(0, Math.Min(length, whole.Length - offset));
                Assert.That(got, Has.Length.EqualTo(expected), $"{length} at {offset}");
                Assert.That(got.AsSpan().SequenceEqual(whole.AsSpan((int)Math.Min(offset, whole.Length), expected)), Is.True, $"{length} at {offset}");
            }
        }
        finally
        {
            fs.Release(entry.NodeId, fh, 0);
        }
    }

    [Test]
    public void DataWrittenIntoAHoleWhileOpen_TheOpenKeepsServingZeros_TheNextOpenEncryptsIt()
    {
        CreateSparse("sparse");
        var (fs, view) = Create(new ReverseOptions(Plain) { AttrTimeout = TimeSpan.Zero });
        var entry = view.Lookup(FuseConstants.RootNodeId, CipherName("sparse"));
        Assert.That(fs.Open(entry.NodeId, 0, out ulong fh, out _), Is.EqualTo(Errno.OK));
        byte[] during;
        byte[] halfOfBlock2;
        try
        {
            var before = Read(fs, entry.NodeId, fh, Header + CipherBlock, CipherBlock);
            Assert.That(before.AsSpan().ContainsAnyExcept((byte)0), Is.False, "block 1: a hole");
            // Into blocks 2 and 3 (the rest of block 3 stays a hole in the plaintext), after block 2's first half was read.
            halfOfBlock2 = Read(fs, entry.NodeId, fh, Header + (2 * CipherBlock), CipherBlock / 2);
            WriteAt("sparse", 2 * Block, Random(Block + 100, 3));
            during = Read(fs, entry.NodeId, fh, 0, 1 << 20);
        }
        finally
        {
            fs.Release(entry.NodeId, fh, 0);
        }
        Assert.That(halfOfBlock2.AsSpan().ContainsAnyExcept((byte)0), Is.False);
        Assert.That(IsZeroBlock(during, 2) && IsZeroBlock(during, 3), Is.True,
            "the open's map is fixed: never a block half zero and half encrypted");
        Assert.That(fs.ChangedWhileServed.Select(p => Encoding.UTF8.GetString(p)), Is.EqualTo(new[] { "sparse" }),
            "listed as changed while served, so that the next backup takes it again");

        Thread.Sleep(TimeSpan.FromSeconds(0.7));    // past the attribute timeout: the next open serves the file as it is
        var after = view.ReadAll(entry.NodeId);
        var (_, strict) = Create(new ReverseOptions(Plain) { Sparse = false });
        var exact = strict.ReadAll(strict.Lookup(FuseConstants.RootNodeId, CipherName("sparse")).NodeId);
        Assert.That(IsZeroBlock(after, 1) && IsZeroBlock(after, 4), Is.True, "still holes");
        for (int b = 2; b <= 3; b++)
        {
            Assert.That(IsZeroBlock(after, b), Is.False, $"block {b} holds data now");
            Assert.That(after.AsSpan(Header + (b * CipherBlock), CipherBlock).SequenceEqual(exact.AsSpan(Header + (b * CipherBlock), CipherBlock)),
                Is.True, $"block {b} encrypted as without sparse");
        }
    }

    [Test]
    public void AFileOfOnlyAHole_IsAHeaderAndZeroBlocks_ADenseFileIsUnchanged_AndNoSparseHasNoZeroBlock()
    {
        using (var f = new FileStream(P("hole"), FileMode.CreateNew))
        {
            f.SetLength(256 * Block);
        }
        File.WriteAllBytes(P("dense"), Random((3 * Block) + 5, 4));
        File.WriteAllBytes(P("zeros"), new byte[4 * Block]);   // written zeros are data, not a hole
        var (_, sparse) = Create();
        var (_, strict) = Create(new ReverseOptions(Plain) { Sparse = false });
        byte[] Both(ViewClient v, string n) => v.ReadAll(v.Lookup(FuseConstants.RootNodeId, CipherName(n)).NodeId);

        var hole = Both(sparse, "hole");
        Assert.That(hole.LongLength, Is.EqualTo(ContentLayout.PlainToCipherSize(256 * Block)));
        Assert.That(hole.AsSpan(0, Header).ContainsAnyExcept((byte)0), Is.True, "the header is never zero");
        Assert.That(hole.AsSpan(Header).ContainsAnyExcept((byte)0), Is.False, "every block of the hole");
        Assert.That(Both(sparse, "dense"), Is.EqualTo(Both(strict, "dense")));
        Assert.That(Both(sparse, "zeros"), Is.EqualTo(Both(strict, "zeros")), "zeros that are allocated are encrypted");
        var strictHole = Both(strict, "hole");
        Assert.That(Enumerable.Range(0, 256).Count(b => IsZeroBlock(strictHole, b)), Is.Zero);
    }
}
