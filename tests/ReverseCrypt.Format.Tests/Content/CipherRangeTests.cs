using ReverseCrypt.Format.Content;

namespace ReverseCrypt.Format.Tests.Content;

/// <summary>The cipher-range to block-range mapping (<see cref="ContentLayout.MapCipherRange"/>) at the header and
/// block edges, and against a byte-by-byte reference over small ranges.</summary>
public class CipherRangeTests
{
    private const int H = ContentLayout.HeaderSize, C = ContentLayout.CipherBlockSize;

    [TestCase(0L, 0, 0, 0L, 0, 0)]
    [TestCase(0L, 10, 10, 0L, 0, 0)]
    [TestCase(0L, H, H, 0L, 0, 0)]                          // the whole header, no block
    [TestCase(0L, H + 1, H, 0L, 1, 0)]                      // one byte into block 0
    [TestCase(17L, 2, 1, 0L, 1, 0)]                         // the last header byte and the first of block 0
    [TestCase((long)H, 1, 0, 0L, 1, 0)]
    [TestCase((long)H, C, 0, 0L, 1, 0)]                     // exactly block 0
    [TestCase((long)H, C + 1, 0, 0L, 2, 0)]                 // one byte into block 1
    [TestCase((long)H + C - 1, 1, 0, 0L, 1, C - 1)]         // the last byte of block 0
    [TestCase((long)H + C - 1, 2, 0, 0L, 2, C - 1)]         // across the edge of blocks 0 and 1
    [TestCase((long)H + C, 1, 0, 1L, 1, 0)]                 // the first byte of block 1
    [TestCase(0L, H + 2 * C, H, 0L, 2, 0)]
    [TestCase(0L, H + 2 * C + 1, H, 0L, 3, 0)]
    [TestCase(100L, 131072, 0, 0L, 32, 82)]                 // a 128 KiB kernel read at an odd offset
    [TestCase((long)H + 1000L * C + 5, 4096, 0, 1000L, 1, 5)]
    [TestCase((long)H + 1000L * C + 5, 4124, 0, 1000L, 2, 5)]
    public void Edges(long offset, int length, int header, long firstBlock, int blockCount, int skip)
    {
        var range = ContentLayout.MapCipherRange(offset, length);
        Assert.That((range.HeaderBytes, range.FirstBlock, range.BlockCount, range.SkipInFirstBlock),
            Is.EqualTo((header, firstBlock, blockCount, skip)));
        Assert.That(range.BeyondAnyFile, Is.False);
        Assert.That(range.PlainOffset, Is.EqualTo(firstBlock * 4096));
        Assert.That(range.PlainLength, Is.EqualTo(blockCount * 4096L));
    }

    [Test]
    public void AgreesWithAByteByByteReference()
    {
        for (long offset = 0; offset < H + 3 * C; offset += 7)
        {
            foreach (int length in new[] { 0, 1, 2, 17, 18, 19, C - 1, C, C + 1, 2 * C + 3 })
            {
                int header = 0;
                long first = -1, last = -1;
                for (long x = offset; x < offset + length; x++)
                {
                    if (x < H)
                    {
                        header++;
                        continue;
                    }
                    long block = (x - H) / C;
                    first = first < 0 ? block : first;
                    last = block;
                }
                var range = ContentLayout.MapCipherRange(offset, length);
                Assert.That(range.HeaderBytes, Is.EqualTo(header), $"{offset}+{length}");
                Assert.That(range.BlockCount, Is.EqualTo(first < 0 ? 0 : (int)(last - first + 1)), $"{offset}+{length}");
                if (first >= 0)
                {
                    Assert.That(range.FirstBlock, Is.EqualTo(first), $"{offset}+{length}");
                    Assert.That(range.SkipInFirstBlock, Is.EqualTo((int)((offset + header - H) % C)), $"{offset}+{length}");
                }
            }
        }
    }

    [Test]
    public void PastTheLargestFile_IsBeyondAnyFile_AndNegativeArgumentsAreRefused()
    {
        Assert.That(ContentLayout.MapCipherRange(long.MaxValue - 10, 100).BeyondAnyFile, Is.True);
        var far = ContentLayout.MapCipherRange(long.MaxValue - 1000, 100);
        Assert.That((far.BeyondAnyFile, far.BlockCount), Is.EqualTo((false, 1)), "far, but every offset fits");
        Assert.That(far.PlainOffset, Is.GreaterThan(0L));
        Assert.That(() => ContentLayout.MapCipherRange(-1, 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ContentLayout.MapCipherRange(0, -1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
