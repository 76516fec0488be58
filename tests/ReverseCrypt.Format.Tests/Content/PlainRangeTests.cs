using ReverseCrypt.Format.Content;

namespace ReverseCrypt.Format.Tests.Content;

/// <summary>The plaintext-range to block-range mapping (<see cref="ContentLayout.MapPlainRange"/>) at the block edges,
/// at the end of a file, at the largest offsets, and against a byte-by-byte reference and the cipher-side mapping.</summary>
public class PlainRangeTests
{
    private const int H = ContentLayout.HeaderSize, P = ContentLayout.PlainBlockSize, C = ContentLayout.CipherBlockSize;

    // The last block that can start in a file: its nonce offset is the last block start that fits a long.
    private const long LastPossibleBlock = (long.MaxValue - H) / C;

    [TestCase(0L, 0, 0L, 0, 0)]                             // empty: no block
    [TestCase(4096L, 0, 1L, 0, 0)]                          // empty at a block edge
    [TestCase(5000L, 0, 1L, 0, 904)]
    [TestCase(0L, 1, 0L, 1, 0)]                             // the first byte, just after the 18-byte header
    [TestCase(0L, 4095, 0L, 1, 0)]
    [TestCase(0L, 4096, 0L, 1, 0)]                          // exactly block 0
    [TestCase(0L, 4097, 0L, 2, 0)]                          // one byte into block 1
    [TestCase(4095L, 1, 0L, 1, 4095)]                       // the last byte of block 0
    [TestCase(4095L, 2, 0L, 2, 4095)]                       // across the edge of blocks 0 and 1
    [TestCase(4096L, 1, 1L, 1, 0)]                          // the first byte of block 1
    [TestCase(4097L, 4095, 1L, 1, 1)]                       // the rest of block 1
    [TestCase(4097L, 4096, 1L, 2, 1)]
    [TestCase(100L, 131072, 0L, 33, 100)]                   // a 128 KiB kernel read at an odd offset
    [TestCase(131072L, 131072, 32L, 32, 0)]                 // an aligned 128 KiB read
    [TestCase(8192L, 1808, 2L, 1, 0)]                       // the last (short) block of a 10,000-byte file
    [TestCase(9999L, 1, 2L, 1, 1807)]                       // the last byte of that file
    [TestCase(1000L * P + 5, int.MaxValue, 1000L, 524289, 5)] // the longest range
    public void Edges(long offset, int length, long firstBlock, int blockCount, int skip)
    {
        var range = ContentLayout.MapPlainRange(offset, length);
        Assert.That((range.FirstBlock, range.BlockCount, range.SkipInFirstBlock, range.BeyondAnyFile),
            Is.EqualTo((firstBlock, blockCount, skip, false)));
        Assert.That(range.PlainOffset, Is.EqualTo(firstBlock * P));
        Assert.That(range.PlainLength, Is.EqualTo(blockCount * (long)P));
        Assert.That(range.CipherOffset, Is.EqualTo(blockCount == 0 ? 0 : H + firstBlock * C));
        Assert.That(range.CipherLength, Is.EqualTo(blockCount * (long)C));
    }

    [Test]
    public void WholeFile_EndsAtTheCipherSize_WhenItEndsOnABlockEdge()
    {
        foreach (long size in new long[] { 1, 4095, 4096, 4097, 10_000, 3 * 4096, 1 << 20 })
        {
            var range = ContentLayout.MapPlainRange(0, (int)size);
            Assert.That(range.CipherOffset, Is.EqualTo((long)H), "the first block starts right after the header");
            Assert.That(range.BlockCount, Is.EqualTo(ContentLayout.BlockCount(size)), $"{size}");
            long cipherEnd = range.CipherOffset + range.CipherLength;
            // Whole blocks: the encrypted file ends there when its last block is full, earlier otherwise.
            Assert.That(cipherEnd - ContentLayout.PlainToCipherSize(size), Is.EqualTo((P - size % P) % P), $"{size}");
        }
    }

    [Test]
    public void AgreesWithAByteByByteReference_AndWithTheCipherSideMapping()
    {
        for (long offset = 0; offset < 3 * P; offset += 13)
        {
            foreach (int length in new[] { 0, 1, 2, P - 1, P, P + 1, 2 * P + 3 })
            {
                long first = -1, last = -1;
                for (long x = offset; x < offset + length; x++)
                {
                    long block = x / P;
                    first = first < 0 ? block : first;
                    last = block;
                }
                var range = ContentLayout.MapPlainRange(offset, length);
                Assert.That(range.BlockCount, Is.EqualTo(first < 0 ? 0 : (int)(last - first + 1)), $"{offset}+{length}");
                Assert.That(range.SkipInFirstBlock, Is.EqualTo((int)(offset % P)), $"{offset}+{length}");
                if (first < 0)
                {
                    continue;
                }
                Assert.That(range.FirstBlock, Is.EqualTo(first), $"{offset}+{length}");
                var back = ContentLayout.MapCipherRange(range.CipherOffset, (int)range.CipherLength);
                Assert.That((back.HeaderBytes, back.FirstBlock, back.BlockCount, back.SkipInFirstBlock),
                    Is.EqualTo((0, range.FirstBlock, range.BlockCount, 0)), $"{offset}+{length}: the cipher side maps back");
            }
        }
    }

    [Test]
    public void PastTheLargestFile_IsBeyondAnyFile_AndNegativeArgumentsAreRefused()
    {
        long lastOffset = (LastPossibleBlock + 1) * P - 1; // the last plaintext byte of the largest possible file
        var last = ContentLayout.MapPlainRange(lastOffset, 1);
        Assert.That((last.BeyondAnyFile, last.FirstBlock, last.BlockCount, last.SkipInFirstBlock),
            Is.EqualTo((false, LastPossibleBlock, 1, P - 1)), "far, but every offset fits");
        Assert.That(last.CipherOffset, Is.EqualTo(H + LastPossibleBlock * C).And.GreaterThan(long.MaxValue - C));
        Assert.That(ContentLayout.MapPlainRange(lastOffset, 2).BeyondAnyFile, Is.True, "one byte further");
        Assert.That(ContentLayout.MapPlainRange(lastOffset + 1, 1).BeyondAnyFile, Is.True);
        var overflow = ContentLayout.MapPlainRange(long.MaxValue - 10, 100);
        Assert.That((overflow.BeyondAnyFile, overflow.BlockCount, overflow.CipherOffset), Is.EqualTo((true, 0, 0L)), "the end overflows");
        var empty = ContentLayout.MapPlainRange(long.MaxValue, 0);
        Assert.That((empty.BeyondAnyFile, empty.BlockCount, empty.FirstBlock), Is.EqualTo((false, 0, long.MaxValue / P)));
        Assert.That(() => ContentLayout.MapPlainRange(-1, 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ContentLayout.MapPlainRange(0, -1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
