using System.Security.Cryptography;
using System.Text.Json;

namespace ReverseCrypt.Crypto.Tests;

public class AesSivTests
{
    private static IEnumerable<TestCaseData> Rfc5297Cases()
    {
        foreach (var c in VectorFile.Cases("rfc5297-aes-siv.json"))
        {
            yield return new TestCaseData(c, true).SetArgDisplayNames(c.Str("name"), "hardware");
            yield return new TestCaseData(c, false).SetArgDisplayNames(c.Str("name"), "fallback");
        }
    }

    private static IEnumerable<TestCaseData> ContentBlockCases()
    {
        int i = 0;
        foreach (var c in VectorFile.Primitives("content_blocks").EnumerateArray())
        {
            yield return new TestCaseData(c, true).SetArgDisplayNames($"block {i}", "hardware");
            yield return new TestCaseData(c, false).SetArgDisplayNames($"block {i}", "fallback");
            i++;
        }
    }

    [TestCaseSource(nameof(Rfc5297Cases))]
    public void Encrypt_Rfc5297Vector_Matches(JsonElement vector, bool hardware)
    {
        byte[][] ad = vector.GetProperty("associated_data").EnumerateArray().Select(e => Convert.FromHexString(e.GetString()!)).ToArray();
        byte[] plaintext = vector.Hex("plaintext");
        using var siv = new AesSiv(vector.Hex("key"), hardware);

        byte[] output = new byte[plaintext.Length + AesSiv.TagSize];
        siv.Encrypt(plaintext, output, ad.AsSpan());
        Assert.That(VectorFile.ToHex(output), Is.EqualTo(vector.Str("output")));

        byte[] decrypted = new byte[plaintext.Length];
        Assert.That(siv.TryDecrypt(output, decrypted, ad.AsSpan()), Is.True);
        Assert.That(decrypted, Is.EqualTo(plaintext));

        if (ad.Length == 2)
        {
            Array.Clear(output);
            siv.Encrypt(ad[0], ad[1], plaintext.AsSpan(), output);
            Assert.That(VectorFile.ToHex(output), Is.EqualTo(vector.Str("output")));
        }
    }

    [TestCaseSource(nameof(ContentBlockCases))]
    public void Encrypt_GocryptfsContentBlock_Matches(JsonElement vector, bool hardware)
    {
        using var siv = new AesSiv(vector.Hex("siv_key"), hardware);
        Assert.That(siv.IsHardwareAccelerated, Is.EqualTo(hardware && System.Runtime.Intrinsics.X86.Aes.IsSupported));
        byte[] ad = vector.Hex("aad_component_1 (blockNo BE64 || fileID)");
        byte[] nonce = vector.Hex("aad_component_2 (nonce)");
        byte[] plaintext = vector.TryGetProperty("plaintext", out _)
            ? vector.Hex("plaintext")
            : Enumerable.Range(0, vector.GetProperty("plain_len").GetInt32()).Select(i => (byte)(i % 251)).ToArray();
        if (vector.TryGetProperty("plaintext_sha256", out _))
        {
            Assert.That(VectorFile.ToHex(SHA256.HashData(plaintext)), Is.EqualTo(vector.Str("plaintext_sha256")));
        }

        byte[] block = new byte[16 + AesSiv.TagSize + plaintext.Length];
        nonce.CopyTo(block, 0);
        siv.Encrypt(ad, nonce, plaintext.AsSpan(), block.AsSpan(16));
        AssertBlock(block, vector);

        Array.Clear(block, 16, block.Length - 16);
        siv.Encrypt(plaintext, block.AsSpan(16), [ad, nonce]);
        AssertBlock(block, vector);

        byte[] decrypted = new byte[plaintext.Length];
        Assert.That(siv.TryDecrypt(ad, nonce, block.AsSpan(16), decrypted), Is.True);
        Assert.That(decrypted, Is.EqualTo(plaintext));
        Array.Clear(decrypted);
        Assert.That(siv.TryDecrypt(block.AsSpan(16), decrypted, [ad, nonce]), Is.True);
        Assert.That(decrypted, Is.EqualTo(plaintext));
    }

    private static void AssertBlock(byte[] block, JsonElement vector)
    {
        Assert.That(block.Length, Is.EqualTo(vector.GetProperty("cipher_len").GetInt32()));
        if (vector.TryGetProperty("cipher_block (nonce||tag||ct)", out var full))
        {
            Assert.That(VectorFile.ToHex(block), Is.EqualTo(full.GetString()));
        }
        else
        {
            Assert.That(VectorFile.ToHex(SHA256.HashData(block)), Is.EqualTo(vector.Str("cipher_block_sha256")));
            Assert.That(VectorFile.ToHex(block.AsSpan(0, 48)), Is.EqualTo(vector.Str("cipher_block_first48")));
        }
    }

    [Test]
    public void TryDecrypt_AnyFlippedBit_FailsAndClearsPlaintext([Values] bool hardware)
    {
        var random = new Random(7);
        byte[] key = new byte[64];
        random.NextBytes(key);
        using var siv = new AesSiv(key, hardware);
        byte[] ad = [1, 2, 3], nonce = new byte[16];
        byte[] plaintext = new byte[40];
        random.NextBytes(plaintext);
        byte[] sealedBytes = new byte[plaintext.Length + 16];
        siv.Encrypt(ad, nonce, plaintext.AsSpan(), sealedBytes);
        byte[] output = new byte[plaintext.Length];
        for (int bit = 0; bit < sealedBytes.Length * 8; bit += 5)
        {
            sealedBytes[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.That(siv.TryDecrypt(ad, nonce, sealedBytes.AsSpan(), output), Is.False, $"bit {bit}");
            Assert.That(output.All(b => b == 0), Is.True);
            sealedBytes[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        Assert.That(siv.TryDecrypt(ad, [.. nonce[..15], 1], sealedBytes.AsSpan(), output), Is.False, "other nonce");
        Assert.That(siv.TryDecrypt([1, 2], nonce, sealedBytes.AsSpan(), output), Is.False, "other AD");
        Assert.That(siv.TryDecrypt(sealedBytes, output, [ad]), Is.False, "AD vector of another shape");
        Assert.That(siv.TryDecrypt(ad, nonce, sealedBytes.AsSpan(), output), Is.True);
        Assert.That(output, Is.EqualTo(plaintext));
    }

    [Test]
    public void RoundTrip_AllLengthsUpTo300_HardwareEqualsFallback()
    {
        var random = new Random(11);
        byte[] key = new byte[64];
        random.NextBytes(key);
        using var hardware = new AesSiv(key, allowHardware: true);
        using var fallback = new AesSiv(key, allowHardware: false);
        for (int length = 0; length <= 300; length++)
        {
            byte[] plaintext = new byte[length], ad = new byte[length % 40], nonce = new byte[16];
            random.NextBytes(plaintext);
            random.NextBytes(ad);
            random.NextBytes(nonce);
            byte[] a = new byte[length + 16], b = new byte[length + 16], c = new byte[length + 16];
            hardware.Encrypt(ad, nonce, plaintext.AsSpan(), a);
            fallback.Encrypt(ad, nonce, plaintext.AsSpan(), b);
            hardware.Encrypt(plaintext, c, [ad, nonce]);
            Assert.That(b, Is.EqualTo(a), $"length {length}");
            Assert.That(c, Is.EqualTo(a), $"length {length}");
            byte[] decrypted = new byte[length];
            Assert.That(fallback.TryDecrypt(ad, nonce, a.AsSpan(), decrypted), Is.True);
            Assert.That(decrypted, Is.EqualTo(plaintext));
        }
    }

    [Test]
    public void Encrypt_NoAssociatedData_RoundTrips()
    {
        using var siv = new AesSiv(new byte[64]);
        byte[] output = new byte[21];
        siv.Encrypt("hello"u8, output);
        byte[] plain = new byte[5];
        Assert.That(siv.TryDecrypt(output, plain), Is.True);
        Assert.That(plain, Is.EqualTo("hello"u8.ToArray()));
    }

    [Test]
    public void Arguments_Invalid_Throw()
    {
        Assert.That(() => new AesSiv(new byte[63]), Throws.ArgumentException);
        using var siv = new AesSiv(new byte[64]);
        Assert.That(() => siv.Encrypt(new byte[3], new byte[18], [new byte[1]]), Throws.ArgumentException);
        Assert.That(() => siv.TryDecrypt(new byte[15], [], [new byte[1]]), Throws.ArgumentException);
        Assert.That(() => siv.Encrypt(new byte[3], new byte[19], new byte[127][]), Throws.ArgumentException);
        Assert.That(() => siv.Encrypt(new byte[3], new byte[19], [null!]), Throws.InstanceOf<ArgumentNullException>());
        byte[] shared = new byte[40];
        Assert.That(() => siv.Encrypt(shared.AsSpan(0, 8), shared.AsSpan(4, 24), [new byte[1]]), Throws.ArgumentException);
    }

    [Test]
    public void Use_AfterDispose_ThrowsObjectDisposed()
    {
        var siv = new AesSiv(new byte[64]);
        siv.Dispose();
        siv.Dispose();
        Assert.That(() => siv.Encrypt([], [], new byte[4].AsSpan(), new byte[20]), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => siv.TryDecrypt([], [], new byte[20].AsSpan(), new byte[4]), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void Encrypt_ConcurrentThreads_GiveSameResults()
    {
        byte[] key = new byte[64];
        new Random(3).NextBytes(key);
        using var siv = new AesSiv(key);
        byte[] plaintext = new byte[4096];
        new Random(4).NextBytes(plaintext);
        byte[] expected = new byte[4112];
        siv.Encrypt([9], [8], plaintext.AsSpan(), expected);
        int mismatches = 0;
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            byte[] output = new byte[4112];
            siv.Encrypt([9], [8], plaintext.AsSpan(), output);
            if (!output.AsSpan().SequenceEqual(expected))
            {
                Interlocked.Increment(ref mismatches);
            }
        });
        Assert.That(mismatches, Is.Zero);
    }
}
