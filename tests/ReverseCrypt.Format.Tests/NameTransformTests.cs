using System.Text;
using System.Text.Json;

namespace ReverseCrypt.Format.Tests;

public sealed class NameTransformTests : IDisposable
{
    private readonly CryptoCore _core = TestKeys.CreateCore();
    private readonly NameTransform _names;

    public NameTransformTests() => _names = new NameTransform(_core);

    public void Dispose() => _core.Dispose();

    private static IEnumerable<TestCaseData> NameCases()
    {
        var index = 0;
        foreach (var v in VectorData.Primitives.GetProperty("names").EnumerateArray())
        {
            var plain = v.Has("plain_name_bytes_hex") ? v.Hex("plain_name_bytes_hex") : v.Utf8("plain_name");
            if (v.Has("plain_name_utf8_hex")) Assert.That(VectorData.ToHex(plain), Is.EqualTo(v.Str("plain_name_utf8_hex")));
            yield return new TestCaseData(plain, v.Hex("diriv"), v.Str("dir_cipher_path"), v.Str("eme_ciphertext_b64"), v.Str("visible_name"),
                    v.Has("dotname_file") ? v.Str("dotname_file") : null)
                .SetName($"Name_{index++:00}_{plain.Length}bytes_{VectorData.ToHex(plain.AsSpan(0, Math.Min(6, plain.Length)))}");
        }
    }

    [TestCaseSource(nameof(NameCases))]
    public void Encrypts_hashes_and_decrypts_the_vector_names(byte[] plainName, byte[] dirIv, string dirCipherPath, string fullCipherName,
        string visibleName, string? dotNameFile)
    {
        Span<byte> computedIv = stackalloc byte[16];
        _names.ComputeDirIv(VectorData.Ascii(dirCipherPath), computedIv);
        Assert.That(computedIv.ToArray(), Is.EqualTo(dirIv));

        Span<byte> cipherName = stackalloc byte[NameTransform.MaxCipherNameLength];
        var length = _names.EncryptName(plainName, dirIv, cipherName);
        Assert.That(VectorData.Text(cipherName[..length]), Is.EqualTo(fullCipherName));
        Assert.That(length, Is.EqualTo(_names.CipherNameLength(plainName.Length)));

        if (_names.IsLongName(length))
        {
            Span<byte> hashed = stackalloc byte[NameTransform.MaxHashedNameLength];
            var hashedLength = _names.HashLongName(cipherName[..length], hashed);
            Assert.That(VectorData.Text(hashed[..hashedLength]), Is.EqualTo(visibleName));
            Assert.That(dotNameFile, Is.EqualTo(visibleName + ".name"));
            Assert.That(NameTransform.IsLongNameEntry(hashed[..hashedLength]), Is.True);
            Assert.That(NameTransform.IsLongNameDotName(VectorData.Ascii(dotNameFile!)), Is.True);
            Assert.That(plainName.Length, Is.GreaterThan(_names.ShortNameMax));
        }
        else
        {
            Assert.That(visibleName, Is.EqualTo(fullCipherName));
            Assert.That(dotNameFile, Is.Null);
        }

        Span<byte> plain = stackalloc byte[NameTransform.MaxPlainNameLength];
        Assert.That(_names.TryDecryptName(cipherName[..length], dirIv, plain, out var plainLength), Is.True);
        Assert.That(plain[..plainLength].ToArray(), Is.EqualTo(plainName));
    }

    [Test]
    public void Nfc_and_nfd_spellings_are_different_names()
    {
        var nfd = VectorData.Primitives.GetProperty("names").EnumerateArray().Single(v => v.Has("plain_name_bytes_hex") && v.Str("plain_name_bytes_hex") == "43616665cc81");
        var nfc = VectorData.Primitives.GetProperty("names").EnumerateArray().Single(v => v.Has("plain_name_bytes_hex") && v.Str("plain_name_bytes_hex") == "436166c3a9");
        // "Cafe" + U+0301 (NFD) and "Caf" + U+00E9 (NFC): the same text, different bytes, different names.
        Assert.That(nfd.Hex("plain_name_bytes_hex"), Is.Not.EqualTo(nfc.Hex("plain_name_bytes_hex")));
        Span<byte> a = stackalloc byte[64];
        Span<byte> b = stackalloc byte[64];
        var la = _names.EncryptName(nfd.Hex("plain_name_bytes_hex"), PathIv.RootDirIv, a);
        var lb = _names.EncryptName(nfc.Hex("plain_name_bytes_hex"), PathIv.RootDirIv, b);
        Assert.That(VectorData.Text(a[..la]), Is.EqualTo(nfd.Str("visible_name")));
        Assert.That(VectorData.Text(b[..lb]), Is.EqualTo(nfc.Str("visible_name")));
        Assert.That(VectorData.Text(a[..la]), Is.Not.EqualTo(VectorData.Text(b[..lb])));
    }

    [Test]
    public void Deterministic_mode_names()
    {
        using var core = TestKeys.CreateCore(FormatOptions.ReverseDefaults with { DirIv = false, DeterministicNames = true });
        var names = new NameTransform(core);
        Span<byte> iv = stackalloc byte[16];
        names.ComputeDirIv(VectorData.Ascii("F3tyDQFBJtlUXm3YdOGx3A"), iv);
        Assert.That(iv.ToArray(), Is.EqualTo(new byte[16]));
        Span<byte> cipher = stackalloc byte[64];
        Span<byte> plain = stackalloc byte[255];
        foreach (var v in VectorData.Primitives.GetProperty("names_deterministic_mode").EnumerateArray())
        {
            Assert.That(v.Hex("diriv"), Is.EqualTo(new byte[16]));
            var length = names.EncryptName(v.Utf8("plain_name"), iv, cipher);
            Assert.That(VectorData.Text(cipher[..length]), Is.EqualTo(v.Str("cipher")));
            Assert.That(names.TryDecryptName(cipher[..length], iv, plain, out var plainLength), Is.True);
            Assert.That(Encoding.UTF8.GetString(plain[..plainLength]), Is.EqualTo(v.Str("plain_name")));
        }
    }

    [Test]
    public void Long_name_hash_vector()
    {
        var v = VectorData.Primitives.GetProperty("longname_hash");
        var full = VectorData.Ascii(v.Str("full_cipher_name"));
        Assert.That(VectorData.ToHex(System.Security.Cryptography.SHA256.HashData(full)), Is.EqualTo(v.Str("sha256_of_ascii")));
        Span<byte> hashed = stackalloc byte[NameTransform.MaxHashedNameLength];
        var length = _names.HashLongName(full, hashed);
        Assert.That(VectorData.Text(hashed[..length]), Is.EqualTo(v.Str("hashed_name")));
        Assert.That(length, Is.EqualTo(62));
    }

    [TestCase(175, false)]
    [TestCase(176, true)]
    [TestCase(255, true)]
    [TestCase(1, false)]
    [TestCase(15, false)]
    [TestCase(16, false)]
    public void Long_name_threshold_at_the_default_limit(int plainLength, bool isLong)
    {
        Span<byte> cipher = stackalloc byte[NameTransform.MaxCipherNameLength];
        var name = Enumerable.Repeat((byte)'q', plainLength).ToArray();
        var length = _names.EncryptName(name, PathIv.RootDirIv, cipher);
        Assert.That(_names.IsLongName(length), Is.EqualTo(isLong));
        Assert.That(_names.ShortNameMax, Is.EqualTo(175));
    }

    [Test]
    public void Short_name_max_bounds_the_long_names_for_every_limit([Values] bool raw64)
    {
        for (var limit = 62; limit <= 255; limit++)
        {
            using var core = TestKeys.CreateCore(FormatOptions.ReverseDefaults with { LongNameMax = limit, Raw64 = raw64 });
            var names = new NameTransform(core);
            for (var plainLength = 1; plainLength <= 255; plainLength++)
            {
                if (names.IsLongName(names.CipherNameLength(plainLength)))
                    Assert.That(plainLength, Is.GreaterThan(names.ShortNameMax), $"limit {limit}");
            }
            Assert.That(names.IsLongName(names.CipherNameLength(names.ShortNameMax)), Is.False, $"limit {limit}");
            if (names.ShortNameMax < 255) Assert.That(names.IsLongName(names.CipherNameLength(names.ShortNameMax + 1)), Is.True, $"limit {limit}");
            if (raw64)
            {
                var threeQuarters = limit * 3 / 4;
                Assert.That(names.ShortNameMax, Is.EqualTo(threeQuarters - threeQuarters % 16 - 1), "gocryptfs's formula");
            }
        }
    }

    [Test]
    public void The_longest_name_fits_the_maximum_lengths([Values] bool raw64)
    {
        using var core = TestKeys.CreateCore(FormatOptions.ReverseDefaults with { Raw64 = raw64 });
        var names = new NameTransform(core);
        Span<byte> cipher = stackalloc byte[NameTransform.MaxCipherNameLength];
        var length = names.EncryptName(Enumerable.Repeat((byte)0xff, 255).ToArray(), PathIv.RootDirIv, cipher);
        Assert.That(length, Is.EqualTo(raw64 ? 342 : 344));
        Span<byte> hashed = stackalloc byte[NameTransform.MaxHashedNameLength];
        Assert.That(names.HashLongName(cipher[..length], hashed), Is.EqualTo(raw64 ? 62 : 63));
    }

    [TestCase("")]
    [TestCase(".")]
    [TestCase("..")]
    [TestCase("a/b")]
    [TestCase("a\0b")]
    public void Encrypting_an_impossible_name_throws(string name)
        => Assert.That(() => _names.EncryptName(Encoding.UTF8.GetBytes(name), PathIv.RootDirIv, new byte[400]), Throws.ArgumentException);

    [Test]
    public void Encrypting_a_256_byte_name_throws()
        => Assert.That(() => _names.EncryptName(new byte[256].Select(_ => (byte)'x').ToArray(), PathIv.RootDirIv, new byte[400]), Throws.ArgumentException);

    [TestCase("vsdwq_rJ3n6T6bjNlQtV1g", true)] // "one"
    [TestCase("vsdwq_rJ3n6T6bjNlQtV1h", false)] // non-canonical alias of the same bytes
    [TestCase("vsdwq_rJ3n6T6bjNlQtV1g==", false)] // padding with Raw64
    [TestCase("vsdwq_rJ3n6T6bjNlQtV1g\n", false)]
    [TestCase("vsdwq_rJ3n6T6bjN\nlQtV1g", false)]
    [TestCase("vsdwq_rJ3n6T6bjNlQtV1g\r", false)]
    [TestCase("vsdwq/rJ3n6T6bjNlQtV1g", false)]
    [TestCase("vsdwq+rJ3n6T6bjNlQtV1g", false)]
    [TestCase("vsdwq_rJ3n6T6bjNlQtV1", false)] // 15.75 bytes
    [TestCase("vsdwq_rJ3n6T6bjNlQtV", false)] // 15 bytes: not a multiple of 16
    [TestCase("", false)]
    [TestCase("gocryptfs.diriv", false)]
    [TestCase("gocryptfs.longname.5AQgFG7ZpNIcwMBcF9JnbtFktrVESBIEZnVnnYUm90w", false)]
    public void Strict_decoding_of_cipher_names(string cipherName, bool valid)
    {
        Span<byte> plain = stackalloc byte[255];
        var ok = _names.TryDecryptName(VectorData.Ascii(cipherName), PathIv.RootDirIv, plain, out var length);
        Assert.That(ok, Is.EqualTo(valid));
        if (ok) Assert.That(VectorData.Text(plain[..length]), Is.EqualTo("one"));
        else Assert.That(length, Is.Zero);
    }

    [TestCase(343)] // 257 bytes
    [TestCase(344)] // 258 bytes
    public void Raw64_names_decoding_to_more_than_256_bytes_are_rejected(int characters)
        => Assert.That(_names.TryDecryptName(VectorData.Ascii(new string('A', characters)), PathIv.RootDirIv, new byte[300], out _), Is.False);

    [Test]
    public void Names_longer_than_the_maximum_are_rejected_before_decoding()
    {
        var text = new string('A', NameTransform.MaxCipherNameLength + 4);
        Assert.That(_names.TryDecryptName(VectorData.Ascii(text), PathIv.RootDirIv, new byte[300], out _), Is.False);
    }

    private static IEnumerable<TestCaseData> BadPlaintexts()
    {
        static byte[] Block(string hex) => Convert.FromHexString(hex);
        yield return new TestCaseData(Block("61626300000000000000000000000000")).SetName("Padding_byte_zero");
        yield return new TestCaseData(Block("61626311111111111111111111111111")).SetName("Padding_byte_17");
        yield return new TestCaseData(Block("6162630d0d0d0d0d0d0d0d0d0d0d0c0d")).SetName("Padding_bytes_not_all_equal");
        yield return new TestCaseData(Block("10101010101010101010101010101010")).SetName("Only_padding_empty_name");
        yield return new TestCaseData(Block("612f620d0d0d0d0d0d0d0d0d0d0d0d0d")).SetName("Slash_in_name");
        yield return new TestCaseData(Block("6100620d0d0d0d0d0d0d0d0d0d0d0d0d")).SetName("Nul_in_name");
        yield return new TestCaseData(Block("2e0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f")).SetName("Dot");
        yield return new TestCaseData(Block("2e2e0e0e0e0e0e0e0e0e0e0e0e0e0e0e")).SetName("Dot_dot");
    }

    [TestCaseSource(nameof(BadPlaintexts))]
    public void Names_that_decrypt_to_invalid_results_are_rejected(byte[] paddedPlaintext)
    {
        var encrypted = new byte[paddedPlaintext.Length];
        _core.NameCipher!.Encrypt(PathIv.RootDirIv, paddedPlaintext, encrypted);
        var cipherName = Base64ToRawUrl(encrypted);
        Assert.That(_names.TryDecryptName(VectorData.Ascii(cipherName), PathIv.RootDirIv, new byte[255], out _), Is.False);

        // Sanity: the same construction with a valid padded name decrypts.
        var good = Convert.FromHexString("6162630d0d0d0d0d0d0d0d0d0d0d0d0d");
        _core.NameCipher.Encrypt(PathIv.RootDirIv, good, encrypted);
        Assert.That(_names.TryDecryptName(VectorData.Ascii(Base64ToRawUrl(encrypted)), PathIv.RootDirIv, new byte[255], out var n), Is.True);
        Assert.That(n, Is.EqualTo(3));
    }

    [Test]
    public void A_decrypted_name_over_255_bytes_is_rejected()
    {
        // 256 name bytes + 16 bytes of padding = 272 bytes: only possible with a hand-made cipher name.
        var padded = Enumerable.Repeat((byte)'x', 256).Concat(Enumerable.Repeat((byte)16, 16)).ToArray();
        var encrypted = new byte[padded.Length];
        _core.NameCipher!.Encrypt(PathIv.RootDirIv, padded, encrypted);
        var cipherName = VectorData.Ascii(Base64ToRawUrl(encrypted));
        Assert.That(cipherName.Length, Is.GreaterThan(NameTransform.MaxCipherNameLength));
        Assert.That(_names.TryDecryptName(cipherName, PathIv.RootDirIv, new byte[400], out _), Is.False);
    }

    [Test]
    public void Legacy_padded_names_need_exact_padding()
    {
        using var core = TestKeys.CreateCore(FormatOptions.ReverseDefaults with { Raw64 = false, Hkdf = false });
        var names = new NameTransform(core);
        Span<byte> cipher = stackalloc byte[64];
        var length = names.EncryptName("sub"u8, PathIv.RootDirIv, cipher);
        var text = VectorData.Text(cipher[..length]);
        Assert.That(text, Is.EqualTo("qqxJbHPXvZ-mLaQyxc3o9g==")); // variant_vectors.json, legacy-no-hkdf-no-raw64
        Span<byte> plain = stackalloc byte[255];
        Assert.That(names.TryDecryptName(VectorData.Ascii(text), PathIv.RootDirIv, plain, out var n), Is.True);
        Assert.That(VectorData.Text(plain[..n]), Is.EqualTo("sub"));
        Assert.That(names.TryDecryptName(VectorData.Ascii(text.TrimEnd('=')), PathIv.RootDirIv, plain, out _), Is.False);
        Assert.That(names.TryDecryptName(VectorData.Ascii(text[..^1]), PathIv.RootDirIv, plain, out _), Is.False);
        Assert.That(names.TryDecryptName(VectorData.Ascii(text + "=="), PathIv.RootDirIv, plain, out _), Is.False);
    }

    [TestCase("gocryptfs.longname.5AQgFG7ZpNIcwMBcF9JnbtFktrVESBIEZnVnnYUm90w", true, false)]
    [TestCase("gocryptfs.longname.5AQgFG7ZpNIcwMBcF9JnbtFktrVESBIEZnVnnYUm90w.name", false, true)]
    [TestCase("gocryptfs.longname.", false, false)]
    [TestCase("gocryptfs.longname..name", false, false)]
    [TestCase("gocryptfs.longname.a/b", false, false)]
    [TestCase("gocryptfs.longname.x.y.name", false, false)]
    [TestCase("gocryptfs.diriv", false, false)]
    [TestCase("vsdwq_rJ3n6T6bjNlQtV1g", false, false)]
    public void Long_name_entry_classification(string name, bool entry, bool dotName)
    {
        Assert.That(NameTransform.IsLongNameEntry(VectorData.Ascii(name)), Is.EqualTo(entry));
        Assert.That(NameTransform.IsLongNameDotName(VectorData.Ascii(name)), Is.EqualTo(dotName));
    }

    [Test]
    public void Special_name_constants()
    {
        Assert.That(VectorData.Text(NameTransform.DirIvFileName), Is.EqualTo("gocryptfs.diriv"));
        Assert.That(VectorData.Text(NameTransform.ConfFileName), Is.EqualTo("gocryptfs.conf"));
        Assert.That(VectorData.Text(NameTransform.ReverseConfFileName), Is.EqualTo(".gocryptfs.reverse.conf"));
        Assert.That(VectorData.Text(NameTransform.LongNamePrefix), Is.EqualTo("gocryptfs.longname."));
        Assert.That(VectorData.Text(NameTransform.LongNameSuffix), Is.EqualTo(".name"));
    }

    [Test]
    public void Plaintext_names_pass_through()
    {
        using var core = TestKeys.CreateCore(FormatOptions.ReverseDefaults with { PlaintextNames = true, DirIv = false, Raw64 = false });
        Assert.That(core.NameCipher, Is.Null);
        var names = new NameTransform(core);
        Span<byte> buffer = stackalloc byte[300];
        var name = Enumerable.Repeat((byte)'n', 255).ToArray();
        var length = names.EncryptName(name, new byte[16], buffer);
        Assert.That(buffer[..length].ToArray(), Is.EqualTo(name));
        Assert.That(names.IsLongName(length), Is.False);
        Assert.That(names.TryDecryptName(name, new byte[16], buffer, out var plainLength), Is.True);
        Assert.That(plainLength, Is.EqualTo(255));
        Assert.That(names.TryDecryptName("a/b"u8, new byte[16], buffer, out _), Is.False);
    }

    [Test]
    public void Hot_paths_do_not_allocate()
    {
        var plainName = "Ünïcödé-日本語-🙂.txt"u8.ToArray();
        var cipherName = new byte[NameTransform.MaxCipherNameLength];
        var plain = new byte[255];
        var longName = Enumerable.Repeat((byte)'L', 255).ToArray();
        var length = 0;
        for (var i = 0; i < 100; i++) Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);

        void Run()
        {
            length = _names.EncryptName(plainName, PathIv.RootDirIv, cipherName);
            if (!_names.TryDecryptName(cipherName.AsSpan(0, length), PathIv.RootDirIv, plain, out _)) throw new InvalidOperationException();
            length = _names.EncryptName(longName, PathIv.RootDirIv, cipherName);
            if (!_names.TryDecryptName(cipherName.AsSpan(0, length), PathIv.RootDirIv, plain, out _)) throw new InvalidOperationException();
        }
    }

    private static string Base64ToRawUrl(byte[] data) => Convert.ToBase64String(data).Replace('+', '-').Replace('/', '_').TrimEnd('=');
}
