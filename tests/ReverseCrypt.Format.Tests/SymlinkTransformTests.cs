using System.Text;

namespace ReverseCrypt.Format.Tests;

public sealed class SymlinkTransformTests : IDisposable
{
    private readonly CryptoCore _core = TestKeys.CreateCore();
    private readonly SymlinkTransform _symlinks;

    public SymlinkTransformTests() => _symlinks = new SymlinkTransform(_core);

    public void Dispose() => _core.Dispose();

    [Test]
    public void Primitive_vectors_including_the_doubled_last_component()
    {
        var count = 0;
        Span<byte> nonce = stackalloc byte[16];
        foreach (var v in VectorData.Primitives.GetProperty("symlinks").EnumerateArray())
        {
            var cipherPath = v.Str("cipher_path");
            var last = cipherPath[(cipherPath.LastIndexOf('/') + 1)..];
            Assert.That(v.Str("nonce_input_path"), Is.EqualTo(cipherPath + "/" + last));
            SymlinkTransform.ComputeNonce(VectorData.Ascii(cipherPath), nonce);
            Assert.That(VectorData.ToHex(nonce), Is.EqualTo(v.Str("nonce")));

            var target = new byte[_symlinks.EncryptedTargetLength(v.Utf8("plain_target").Length)];
            _symlinks.EncryptTarget(v.Utf8("plain_target"), VectorData.Ascii(cipherPath), target);
            Assert.That(VectorData.Text(target), Is.EqualTo(v.Str("cipher_target")));
            Assert.That(target.Length, Is.EqualTo(v.GetProperty("st_size").GetInt32()));
            count++;
        }
        Assert.That(count, Is.EqualTo(3));
    }

    [TestCase(1, 44)]
    [TestCase(6, 51)]
    [TestCase(13, 60)]
    [TestCase(3040, 4096)]
    [TestCase(3041, 4098)]
    public void Encrypted_length_is_base64_of_32_plus_target(int plainLength, int cipherLength)
        => Assert.That(_symlinks.EncryptedTargetLength(plainLength), Is.EqualTo(cipherLength));

    [Test]
    public void Long_targets_round_trip()
    {
        var plain = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("../very/long/path/", 227))); // 4086 bytes
        var cipher = new byte[_symlinks.EncryptedTargetLength(plain.Length)];
        Assert.That(_symlinks.EncryptTarget(plain, "a/b"u8, cipher), Is.EqualTo(cipher.Length));
        var back = new byte[plain.Length];
        Assert.That(_symlinks.TryDecryptTarget(cipher, back, out var length), Is.True);
        Assert.That(length, Is.EqualTo(plain.Length));
        Assert.That(back, Is.EqualTo(plain));
    }

    [Test]
    public void Tampered_or_malformed_targets_do_not_decrypt()
    {
        var good = VectorData.Ascii("TLA-qCSTY-TlkX1lsGDO6b0tQ0xrXq3VwIGGiPWyQRk_ssWhi-E");
        var plain = new byte[64];
        Assert.That(_symlinks.TryDecryptTarget(good, plain, out var n), Is.True);
        Assert.That(VectorData.Text(plain.AsSpan(0, n)), Is.EqualTo("f10000"));

        var flipped = (byte[])good.Clone();
        flipped[30] = flipped[30] == (byte)'A' ? (byte)'B' : (byte)'A';
        Assert.That(_symlinks.TryDecryptTarget(flipped, plain, out _), Is.False, "authentication");
        Assert.That(_symlinks.TryDecryptTarget(good.AsSpan(0, 40), plain, out _), Is.False, "truncated");
        Assert.That(_symlinks.TryDecryptTarget(VectorData.Ascii("QUFB"), plain, out _), Is.False, "shorter than nonce+tag");
        Assert.That(_symlinks.TryDecryptTarget([.. good, (byte)'='], plain, out _), Is.False, "padding in Raw64");
        var zeroNonce = new byte[Base64Url.EncodedLength(38, padded: false)];
        var sealedWithZeroNonce = new byte[38];
        _core.ContentSiv.Encrypt(new byte[8], new byte[16], "f10000"u8, sealedWithZeroNonce.AsSpan(16));
        Base64Url.Encode(sealedWithZeroNonce, zeroNonce, padded: false);
        Assert.That(_symlinks.TryDecryptTarget(zeroNonce, plain, out _), Is.False, "all-zero nonce");
    }

    [Test]
    public void Plaintext_names_copy_the_target()
    {
        using var core = TestKeys.CreateCore(FormatOptions.ReverseDefaults with { PlaintextNames = true, DirIv = false });
        var symlinks = new SymlinkTransform(core);
        var buffer = new byte[16];
        Assert.That(symlinks.EncryptedTargetLength(8), Is.EqualTo(8));
        Assert.That(symlinks.EncryptTarget("file.txt"u8, "lnk"u8, buffer), Is.EqualTo(8));
        Assert.That(VectorData.Text(buffer.AsSpan(0, 8)), Is.EqualTo("file.txt")); // variant_vectors.json plaintextnames: lnk -> file.txt
        Assert.That(symlinks.TryDecryptTarget("file.txt"u8, buffer, out var n), Is.True);
        Assert.That(n, Is.EqualTo(8));
    }

    [Test]
    public void Empty_target_stays_empty()
    {
        Assert.That(_symlinks.EncryptedTargetLength(0), Is.Zero);
        Assert.That(_symlinks.EncryptTarget([], "x"u8, []), Is.Zero);
        Assert.That(_symlinks.TryDecryptTarget([], [], out var n), Is.True);
        Assert.That(n, Is.Zero);
    }
}
