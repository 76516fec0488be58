using System.Globalization;
using ReverseCrypt.Format.Content;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// Sparse files through the kernel (issue 13 item 3, docs/format.md 8.5 and 18): with <c>--no-sparse</c> the view is
/// byte-identical to <c>gocryptfs -reverse</c>; by default it differs from it exactly at the whole blocks inside holes,
/// which are all zero, and an <c>rsync --sparse</c> copy of it is small on disk and reads back through
/// <c>gocryptfs -ro</c> as the plaintext.
/// </summary>
public partial class ReverseMountTests
{
    private const int PlainBlock = ContentLayout.PlainBlockSize;

    /// <summary>Sparse files with known data blocks; returns, per file name, its size and its blocks that hold data.</summary>
    private Dictionary<string, (long Size, HashSet<long> DataBlocks)> MakeSparseFiles()
    {
        var files = new Dictionary<string, (long Size, HashSet<long> DataBlocks)>();
        void Sparse(string name, long size, params (long Offset, int Length, int Seed)[] data)
        {
            using (var f = new FileStream(Path.Combine(_plain, name), FileMode.CreateNew))
            {
                f.SetLength(size);
                foreach (var (offset, length, seed) in data)
                {
                    var bytes = new byte[length];
                    new Random(seed).NextBytes(bytes);
                    f.Position = offset;
                    f.Write(bytes);
                }
            }
            var blocks = new HashSet<long>();
            foreach (var (offset, length, _) in data)
            {
                for (long b = offset / PlainBlock; b <= (offset + length - 1) / PlainBlock; b++)
                {
                    blocks.Add(b);
                }
            }
            files[name] = (size, blocks);
        }
        // 32 MiB: 1 MiB at the start, a few bytes in the middle, 100 KiB before a partial last block inside a hole.
        Sparse("sparse-32m", (32L << 20) + 1000, (0, 1 << 20, 1), ((13L << 20) + 4000, 200, 2), ((30L << 20) + 512, 100 << 10, 3));
        Sparse("hole-only", 8L << 20);
        Sparse("dense", 50_000, (0, 50_000, 4));
        return files;
    }

    [Test]
    public void Sparse_DiffersFromGocryptfsExactlyAtHoleBlocks_NoSparseIsIdentical_CopyReadsBackThroughGocryptfs()
    {
        var files = MakeSparseFiles();
        var ours = MountOurs();
        var strict = MountOurs(new ReverseOptions(_plain) { Sparse = false }, mountName: "strict");
        string theirsPoint = _dir.Sub("theirs");
        Keep(new GocryptfsMount(["-reverse", "-passfile", _passfile], _plain, theirsPoint));

        int zeroBlocks = 0;
        foreach (var (name, (size, dataBlocks)) in files)
        {
            string cipherName = Only(ours, name);
            var sparseView = File.ReadAllBytes(Path.Combine(ours.MountPoint, cipherName));
            var strictView = File.ReadAllBytes(Path.Combine(strict.MountPoint, cipherName));
            var gocryptfs = File.ReadAllBytes(Path.Combine(theirsPoint, cipherName));
            Assert.That(strictView.AsSpan().SequenceEqual(gocryptfs), Is.True, $"{name}: --no-sparse is byte-identical to gocryptfs -reverse");
            Assert.That(sparseView, Has.Length.EqualTo(gocryptfs.Length), $"{name}: the same size");
            Assert.That(sparseView.AsSpan(0, ContentLayout.HeaderSize).SequenceEqual(gocryptfs.AsSpan(0, ContentLayout.HeaderSize)), Is.True);
            long blocks = ContentLayout.BlockCount(size);
            for (long b = 0; b < blocks; b++)
            {
                int start = (int)(ContentLayout.HeaderSize + (b * ContentLayout.CipherBlockSize));
                int length = Math.Min(ContentLayout.CipherBlockSize, gocryptfs.Length - start);
                bool wholeHole = !dataBlocks.Contains(b) && (b + 1) * PlainBlock <= size;
                if (wholeHole)
                {
                    Assert.That(sparseView.AsSpan(start, length).ContainsAnyExcept((byte)0), Is.False, $"{name} block {b}: a hole, all zero");
                    Assert.That(gocryptfs.AsSpan(start, length).ContainsAnyExcept((byte)0), Is.True, $"{name} block {b}: encrypted by gocryptfs");
                    zeroBlocks++;
                }
                else if (!sparseView.AsSpan(start, length).SequenceEqual(gocryptfs.AsSpan(start, length)))
                {
                    Assert.Fail($"{name} block {b}: holds data (or is the partial last block), must be as gocryptfs has it");
                }
            }
        }
        Assert.That(zeroBlocks, Is.EqualTo(8192 - 256 - 2 - 26 + 2048), "every whole hole block (32 MiB less 256 + 2 + 26 data blocks, and 8 MiB)");

        // A copy of the sparse view: small on disk, and gocryptfs reads it back as the plaintext.
        string copy = _dir.Sub("copy");
        var rsync = Run.Program("rsync", ["-aHAX", "--sparse", "--numeric-ids", ours.MountPoint + "/", copy + "/"], timeout: TimeSpan.FromMinutes(5));
        Assert.That(rsync.ExitCode, Is.Zero, rsync.ToString());
        long allocated = long.Parse(Run.Ok($"du -s -B1 {Run.Quote(copy)} | cut -f1").Trim(), CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"copy of 40 MiB of sparse files with 1.2 MiB of data: {allocated} bytes on disk");
        Assert.That(allocated, Is.LessThan(3L << 20), "holes cost no disk in the copy");
        string decrypted = _dir.Sub("decrypted");
        Keep(new GocryptfsMount(["-ro", "-passfile", _passfile], copy, decrypted));
        foreach (var name in files.Keys)
        {
            var cmp = Run.Program("cmp", [Path.Combine(_plain, name), Path.Combine(decrypted, name)]);
            Assert.That(cmp.ExitCode, Is.Zero, $"gocryptfs -ro reads {name} back: {cmp}");
        }
    }
}
