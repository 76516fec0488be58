using System.Text;

namespace ReverseCrypt.Format.Tests;

/// <summary>Section 10 vectors: computed from upstream master source (no released gocryptfs has reverse xattrs).</summary>
public sealed class XattrTransformTests : IDisposable
{
    private readonly CryptoCore _core = TestKeys.CreateCore();
    private readonly XattrTransform _xattrs;

    public XattrTransformTests() => _xattrs = new XattrTransform(_core);

    public void Dispose() => _core.Dispose();

    [Test]
    public void Computed_name_and_value_vectors()
    {
        var v = VectorData.Primitives.GetProperty("xattr_computed_only");
        Assert.That(VectorData.Text(XattrTransform.NameTweak), Is.EqualTo(v.Str("name_tweak_ascii")));
        var cipherName = new byte[XattrTransform.MaxCipherAttrNameLength];
        var nameLength = _xattrs.EncryptName(v.Utf8("plain_attr_name"), cipherName);
        Assert.That(VectorData.Text(cipherName.AsSpan(0, nameLength)), Is.EqualTo(v.Str("cipher_attr_name")));
        Assert.That(nameLength, Is.EqualTo(_xattrs.CipherNameLength(v.Utf8("plain_attr_name").Length)));

        Span<byte> nonce = stackalloc byte[16];
        XattrTransform.ComputeValueNonce(VectorData.Ascii(v.Str("file_cipher_path")), cipherName.AsSpan(0, nameLength), nonce);
        Assert.That(VectorData.ToHex(nonce), Is.EqualTo(v.Str("value_nonce")));

        var plainValue = v.Utf8("plain_value_utf8");
        var cipherValue = new byte[XattrTransform.CipherValueLength(plainValue.Length)];
        var written = _xattrs.EncryptValue(VectorData.Ascii(v.Str("file_cipher_path")), cipherName.AsSpan(0, nameLength), plainValue, cipherValue);
        Assert.That(written, Is.EqualTo(32 + plainValue.Length));
        Assert.That(VectorData.ToHex(cipherValue), Is.EqualTo(v.Str("cipher_value (nonce||tag||ct)")));

        var back = new byte[plainValue.Length];
        Assert.That(_xattrs.TryDecryptValue(cipherValue, back, out var n), Is.True);
        Assert.That(back.AsSpan(0, n).ToArray(), Is.EqualTo(plainValue));
        var plainName = new byte[255];
        Assert.That(_xattrs.TryDecryptName(cipherName.AsSpan(0, nameLength), plainName, out var pn), Is.True);
        Assert.That(Encoding.UTF8.GetString(plainName, 0, pn), Is.EqualTo("user.greeting"));
    }

    [Test]
    public void Acl_names_pass_through()
    {
        foreach (var name in VectorData.Primitives.GetProperty("xattr_computed_only").GetProperty("acl_names_passthrough").EnumerateArray())
            Assert.That(_xattrs.IsPassThrough(Encoding.ASCII.GetBytes(name.GetString()!)), Is.True);
        Assert.That(_xattrs.IsPassThrough("user.greeting"u8), Is.False);
        Assert.That(_xattrs.IsPassThrough("system.posix_acl_access2"u8), Is.False);
        Assert.That(_xattrs.IsPassThrough("security.selinux"u8), Is.False);
    }

    [Test]
    public void Value_nonce_of_the_root_uses_the_empty_path()
    {
        Span<byte> nonce = stackalloc byte[16];
        XattrTransform.ComputeValueNonce([], "user.gocryptfs.x"u8, nonce);
        Span<byte> expected = stackalloc byte[16];
        PathIv.Compute("\0user.gocryptfs.x"u8, PathIvPurpose.XattrIv, expected);
        Assert.That(nonce.ToArray(), Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void Empty_value_stays_empty()
    {
        Assert.That(_xattrs.EncryptValue("a"u8, "user.gocryptfs.x"u8, [], []), Is.Zero);
        Assert.That(_xattrs.TryDecryptValue([], [], out var n), Is.True);
        Assert.That(n, Is.Zero);
        Assert.That(XattrTransform.CipherValueLength(0), Is.Zero);
    }

    [Test]
    public void Tampered_values_and_foreign_names_fail()
    {
        var cipherValue = new byte[32 + 5];
        _xattrs.EncryptValue("p"u8, "user.gocryptfs.n"u8, "hello"u8, cipherValue);
        var plain = new byte[5];
        Assert.That(_xattrs.TryDecryptValue(cipherValue, plain, out _), Is.True);
        cipherValue[^1] ^= 1;
        Assert.That(_xattrs.TryDecryptValue(cipherValue, plain, out _), Is.False);
        Assert.That(_xattrs.TryDecryptValue(new byte[31], plain, out _), Is.False);
        var zeroNonce = new byte[37];
        Assert.That(_xattrs.TryDecryptValue(zeroNonce, plain, out _), Is.False);

        var name = new byte[255];
        Assert.That(_xattrs.TryDecryptName("user.greeting"u8, name, out _), Is.False);
        Assert.That(_xattrs.TryDecryptName("user.gocryptfs."u8, name, out _), Is.False);
        Assert.That(_xattrs.TryDecryptName("user.gocryptfs.qYsFBb04B_FaEVUQvVmUOw=="u8, name, out _), Is.False);
        Assert.That(_xattrs.TryDecryptName("user.gocryptfs.qYsFBb04B_FaEVUQvVmUOx"u8, name, out _), Is.False);
        Assert.That(_xattrs.TryDecryptName("trusted.gocryptfs.qYsFBb04B_FaEVUQvVmUOw"u8, name, out _), Is.False);
    }

    [Test]
    public void Invalid_plain_names_are_refused()
    {
        var buffer = new byte[XattrTransform.MaxCipherAttrNameLength];
        Assert.That(() => _xattrs.EncryptName([], buffer), Throws.ArgumentException);
        Assert.That(() => _xattrs.EncryptName("user.a\0b"u8.ToArray(), buffer), Throws.ArgumentException);
        Assert.That(() => _xattrs.EncryptName(new byte[256].Select(_ => (byte)'u').ToArray(), buffer), Throws.ArgumentException);
        var longest = new byte[255].Select(_ => (byte)'u').ToArray();
        Assert.That(_xattrs.EncryptName(longest, buffer), Is.EqualTo(15 + 342));
    }

    [Test]
    public void Names_are_encrypted_also_with_plaintext_names()
    {
        using var core = TestKeys.CreateCore(FormatOptions.ReverseDefaults with { PlaintextNames = true, DirIv = false });
        var xattrs = new XattrTransform(core);
        var buffer = new byte[XattrTransform.MaxCipherAttrNameLength];
        var length = xattrs.EncryptName("user.greeting"u8, buffer);
        Assert.That(VectorData.Text(buffer.AsSpan(0, length)), Is.EqualTo("user.gocryptfs.qYsFBb04B_FaEVUQvVmUOw"));
    }
}
