using System.Text;

namespace ReverseCrypt.Format.Tests;

public class Base64UrlTests
{
    [TestCase(0, 0, 0)]
    [TestCase(1, 2, 4)]
    [TestCase(2, 3, 4)]
    [TestCase(3, 4, 4)]
    [TestCase(16, 22, 24)]
    [TestCase(32, 43, 44)]
    [TestCase(48, 64, 64)]
    [TestCase(176, 235, 236)]
    [TestCase(192, 256, 256)]
    [TestCase(256, 342, 344)]
    public void Encoded_lengths(int bytes, int raw, int padded)
    {
        Assert.That(Base64Url.EncodedLength(bytes, padded: false), Is.EqualTo(raw));
        Assert.That(Base64Url.EncodedLength(bytes, padded: true), Is.EqualTo(padded));
    }

    [Test]
    public void Round_trips_every_length_against_the_framework_encoder([Values] bool padded)
    {
        var random = new Random(1);
        for (var length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            var expected = Convert.ToBase64String(data).Replace('+', '-').Replace('/', '_');
            if (!padded) expected = expected.TrimEnd('=');
            var encoded = new byte[Base64Url.EncodedLength(length, padded)];
            Assert.That(Base64Url.Encode(data, encoded, padded), Is.EqualTo(encoded.Length));
            Assert.That(Encoding.ASCII.GetString(encoded), Is.EqualTo(expected));
            var decoded = new byte[length + 3];
            Assert.That(Base64Url.TryDecode(encoded, decoded, padded, out var written), Is.True);
            Assert.That(decoded[..written], Is.EqualTo(data));
        }
    }

    [Test]
    public void Decoded_length_is_exact_for_unpadded_lengths()
    {
        for (var n = 0; n <= 300; n++) Assert.That(Base64Url.MaxDecodedLength(Base64Url.EncodedLength(n, padded: false)), Is.EqualTo(n));
    }

    [Test]
    public void Too_small_destinations_fail_instead_of_throwing()
    {
        var encoded = new byte[Base64Url.EncodedLength(20, padded: false)];
        Base64Url.Encode(new byte[20], encoded, padded: false);
        Assert.That(Base64Url.TryDecode(encoded, new byte[19], padded: false, out _), Is.False);
        Assert.That(Base64Url.TryDecode(encoded, new byte[20], padded: false, out var written), Is.True);
        Assert.That(written, Is.EqualTo(20));
    }

    [TestCase("QQ", true)]
    [TestCase("QR", false)] // non-zero unused bits (gocryptfs 2.3 accepted this alias)
    [TestCase("QUE", true)]
    [TestCase("QUF", false)]
    [TestCase("QQ==", false)] // padding in Raw64
    [TestCase("Q", false)] // length mod 4 == 1
    [TestCase("QUFB\n", false)]
    [TestCase("QU\r\nFB", false)]
    [TestCase("QU FB", false)]
    [TestCase("QU+B", false)] // standard alphabet
    [TestCase("QU/B", false)]
    [TestCase("", true)]
    public void Strict_raw_decoding(string text, bool valid)
    {
        var buffer = new byte[16];
        Assert.That(Base64Url.TryDecode(Encoding.ASCII.GetBytes(text), buffer, padded: false, out _), Is.EqualTo(valid));
    }

    [TestCase("QQ==", true)]
    [TestCase("QR==", false)]
    [TestCase("QUE=", true)]
    [TestCase("QUF=", false)]
    [TestCase("QQ", false)] // missing padding
    [TestCase("QQ=", false)]
    [TestCase("QQ===", false)]
    [TestCase("Q===", false)]
    [TestCase("QUFB====", false)]
    [TestCase("QQ==QUFB", false)] // padding in the middle
    [TestCase("QU=B", false)]
    [TestCase("QUFB", true)]
    [TestCase("QUFB\n", false)]
    public void Strict_padded_decoding(string text, bool valid)
    {
        var buffer = new byte[16];
        Assert.That(Base64Url.TryDecode(Encoding.ASCII.GetBytes(text), buffer, padded: true, out _), Is.EqualTo(valid));
    }
}
