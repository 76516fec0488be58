using System.Text.Json;
using ReverseCrypt.Format.Content;

namespace ReverseCrypt.Format.Tests.Content;

public class ContentLayoutTests
{
    private static IEnumerable<TestCaseData> SizeMapping()
        => ContentVectors.Primitives.GetProperty("size_mapping").EnumerateArray()
            .Select(e => new TestCaseData(e.GetProperty("plain").GetInt64(), e.GetProperty("cipher").GetInt64()));

    [TestCaseSource(nameof(SizeMapping))]
    public void SizeMapping_Vector_MatchesBothWays(long plainSize, long cipherSize)
    {
        Assert.That(ContentLayout.PlainToCipherSize(plainSize), Is.EqualTo(cipherSize));
        Assert.That(ContentLayout.CipherToPlainSize(cipherSize), Is.EqualTo(plainSize));
    }

    [Test]
    public void SizeMapping_EveryFileOfTheReverseTree_Matches()
    {
        int checkedFiles = 0;
        foreach (JsonElement entry in ContentVectors.RegularFiles)
        {
            long plainSize = entry.GetProperty("plain_size").GetInt64();
            long cipherSize = entry.GetProperty("cipher_size").GetInt64();
            Assert.That(ContentLayout.PlainToCipherSize(plainSize), Is.EqualTo(cipherSize), ContentVectors.Text(entry, "plain_path"));
            Assert.That(ContentLayout.CipherToPlainSize(cipherSize), Is.EqualTo(plainSize));
            checkedFiles++;
        }

        Assert.That(checkedFiles, Is.GreaterThanOrEqualTo(15));
    }

    [Test]
    public void CipherToPlainSize_RoundTripsEveryPlainSizeUpTo3Blocks()
    {
        for (long plainSize = 0; plainSize <= 3 * 4096 + 5; plainSize++)
        {
            Assert.That(ContentLayout.CipherToPlainSize(ContentLayout.PlainToCipherSize(plainSize)), Is.EqualTo(plainSize));
        }
    }

    [TestCase(0, 0)]
    [TestCase(1, 0)]
    [TestCase(18, 0)]
    [TestCase(19, 1)]                 // 1-byte body: truncated block counted as 1 byte
    [TestCase(18 + 32, 1)]            // 32-byte body (nonce + tag only): still 1 byte
    [TestCase(18 + 33, 1)]
    [TestCase(18 + 4128 + 1, 4097)]   // full block + 1-byte truncated block
    [TestCase(18 + 4128 + 32, 4097)]
    [TestCase(18 + 4128 + 33, 4097)]
    [TestCase(18 + 4128, 4096)]
    public void CipherToPlainSize_TruncatedAndShortFiles_FollowGocryptfs(long cipherSize, long plainSize)
        => Assert.That(ContentLayout.CipherToPlainSize(cipherSize), Is.EqualTo(plainSize));

    [Test]
    public void BlockArithmetic_Offsets_AreConsistent()
    {
        Assert.That(ContentLayout.BlockOf(18), Is.EqualTo(0));
        Assert.That(ContentLayout.BlockOf(18 + 4127), Is.EqualTo(0));
        Assert.That(ContentLayout.BlockOf(18 + 4128), Is.EqualTo(1));
        Assert.That(ContentLayout.CipherOffsetOfBlock(2), Is.EqualTo(18 + 2 * 4128));
        Assert.That(ContentLayout.PlainOffsetOfBlock(3), Is.EqualTo(3 * 4096));
        Assert.That(ContentLayout.PlainBlockOf(4095), Is.EqualTo(0));
        Assert.That(ContentLayout.PlainBlockOf(4096), Is.EqualTo(1));
        Assert.That(ContentLayout.BlockCount(0), Is.EqualTo(0));
        Assert.That(ContentLayout.BlockCount(4097), Is.EqualTo(2));
        Assert.That(ContentLayout.CipherLengthOfBlocks(4097), Is.EqualTo(4097 + 64));
        Assert.That(ContentLayout.PlainLengthOfBlocks(4097 + 64), Is.EqualTo(4097));
        Assert.That(ContentLayout.PlainLengthOfBlocks(4128 + 20), Is.EqualTo(4096));
        Assert.That(() => ContentLayout.BlockOf(17), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ContentLayout.PlainToCipherSize(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
