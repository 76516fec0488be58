using System.Security.Cryptography;
using System.Text.Json;

namespace ReverseCrypt.Crypto.Tests;

public class EmeTests
{
    private static IEnumerable<TestCaseData> RawCases()
    {
        int i = 0;
        foreach (var c in VectorFile.Primitives("eme_raw").EnumerateArray())
        {
            yield return new TestCaseData(c, true).SetArgDisplayNames($"eme_raw[{i}]", "hardware");
            yield return new TestCaseData(c, false).SetArgDisplayNames($"eme_raw[{i}]", "fallback");
            i++;
        }
    }

    [TestCaseSource(nameof(RawCases))]
    public void EncryptDecrypt_RawVector_Matches(JsonElement vector, bool hardware)
    {
        using var eme = new Eme(vector.Hex("key"), hardware);
        byte[] tweak = vector.Hex("tweak");
        bool hashed = vector.TryGetProperty("ciphertext_sha256", out _);
        byte[] plaintext = hashed
            ? Enumerable.Range(0, 2048).Select(i => (byte)i).ToArray() // "bytes i%256 for i in 0..2047"
            : vector.Hex("plaintext");
        byte[] ciphertext = new byte[plaintext.Length];
        eme.Encrypt(tweak, plaintext, ciphertext);
        if (hashed)
        {
            Assert.That(vector.Str("plaintext"), Does.StartWith("bytes i%256 for i in 0..2047"));
            Assert.That(VectorFile.ToHex(SHA256.HashData(ciphertext)), Is.EqualTo(vector.Str("ciphertext_sha256")));
        }
        else
        {
            Assert.That(VectorFile.ToHex(ciphertext), Is.EqualTo(vector.Str("ciphertext")));
        }

        byte[] decrypted = new byte[plaintext.Length];
        eme.Decrypt(tweak, ciphertext, decrypted);
        Assert.That(decrypted, Is.EqualTo(plaintext));
    }

    [Test]
    public void DecryptEncrypt_AllLengths16To2048_RoundTrip([Values] bool hardware)
    {
        var random = new Random(5);
        byte[] key = new byte[32], tweak = new byte[16];
        random.NextBytes(key);
        using var eme = new Eme(key, hardware);
        using var other = new Eme(key, !hardware);
        for (int length = 16; length <= 2048; length += 16)
        {
            random.NextBytes(tweak);
            byte[] plaintext = new byte[length], ciphertext = new byte[length], decrypted = new byte[length];
            random.NextBytes(plaintext);
            eme.Encrypt(tweak, plaintext, ciphertext);
            Assert.That(ciphertext, Is.Not.EqualTo(plaintext));
            eme.Decrypt(tweak, ciphertext, decrypted);
            Assert.That(decrypted, Is.EqualTo(plaintext), $"length {length}");
            byte[] viaOther = new byte[length];
            other.Encrypt(tweak, plaintext, viaOther);
            Assert.That(viaOther, Is.EqualTo(ciphertext), $"length {length}: hardware and fallback differ");
        }
    }

    [Test]
    public void Encrypt_InPlace_EqualsOutOfPlace()
    {
        using var eme = new Eme(new byte[32]);
        byte[] tweak = new byte[16], data = new byte[64], expected = new byte[64];
        data[3] = 7;
        eme.Encrypt(tweak, data, expected);
        eme.Encrypt(tweak, data, data);
        Assert.That(data, Is.EqualTo(expected));
    }

    [Test]
    public void Encrypt_ChangingOneByteOrTweak_ChangesEveryBlock()
    {
        using var eme = new Eme(new byte[32]);
        byte[] tweak = new byte[16], a = new byte[64], b = new byte[64], ca = new byte[64], cb = new byte[64];
        b[63] = 1;
        eme.Encrypt(tweak, a, ca);
        eme.Encrypt(tweak, b, cb);
        for (int block = 0; block < 4; block++)
        {
            Assert.That(ca.AsSpan(block * 16, 16).SequenceEqual(cb.AsSpan(block * 16, 16)), Is.False, $"block {block}");
        }

        tweak[0] = 1;
        eme.Encrypt(tweak, a, cb);
        Assert.That(ca.AsSpan(0, 16).SequenceEqual(cb.AsSpan(0, 16)), Is.False);
    }

    [Test]
    public void Arguments_Invalid_Throw()
    {
        Assert.That(() => new Eme(new byte[16]), Throws.ArgumentException);
        using var eme = new Eme(new byte[32]);
        Assert.That(() => eme.Encrypt(new byte[15], new byte[16], new byte[16]), Throws.ArgumentException);
        Assert.That(() => eme.Encrypt(new byte[16], [], []), Throws.ArgumentException);
        Assert.That(() => eme.Encrypt(new byte[16], new byte[17], new byte[17]), Throws.ArgumentException);
        Assert.That(() => eme.Encrypt(new byte[16], new byte[2064], new byte[2064]), Throws.ArgumentException);
        Assert.That(() => eme.Decrypt(new byte[16], new byte[32], new byte[16]), Throws.ArgumentException);
        eme.Dispose();
        Assert.That(() => eme.Encrypt(new byte[16], new byte[16], new byte[16]), Throws.TypeOf<ObjectDisposedException>());
    }
}
