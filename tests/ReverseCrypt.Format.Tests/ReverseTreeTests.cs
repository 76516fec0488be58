using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ReverseCrypt.Format.Tests;

/// <summary>The complete gocryptfs 2.3 reverse view of reverse_tree_vectors.json, recomputed from the plain paths.</summary>
public sealed class ReverseTreeTests : IDisposable
{
    private readonly CryptoCore _core = TestKeys.CreateCore();
    private readonly NameTransform _names;
    private readonly List<JsonElement> _entries = [.. VectorData.ReverseTree.GetProperty("entries").EnumerateArray()];

    public ReverseTreeTests() => _names = new NameTransform(_core);

    public void Dispose() => _core.Dispose();

    private IEnumerable<JsonElement> RealEntries => _entries.Where(e => !e.Has("virtual"));

    [Test]
    public void Every_plain_path_maps_to_its_cipher_path()
    {
        var walker = new CipherPathMap(_names);
        var count = 0;
        foreach (var e in RealEntries)
        {
            var (cipherPath, _) = walker.Map(e.Utf8("plain_path"));
            Assert.That(cipherPath, Is.EqualTo(e.Str("cipher_path")), e.Str("plain_path"));
            count++;
        }
        Assert.That(count, Is.EqualTo(_entries.Count - 8)); // 3 diriv, 4 .name, 1 config
    }

    [Test]
    public void Every_cipher_path_decrypts_to_its_plain_path()
    {
        var dotNames = _entries.Where(e => e.Has("virtual") && e.Str("virtual") == "longname_dotname")
            .ToDictionary(e => e.Str("cipher_path")[..^".name".Length], e => e.Str("content"));
        Span<byte> dirIv = stackalloc byte[16];
        Span<byte> plain = stackalloc byte[NameTransform.MaxPlainNameLength];
        foreach (var e in RealEntries)
        {
            var cipherDir = "";
            var plainComponents = new List<string>();
            foreach (var component in e.Str("cipher_path").Split('/'))
            {
                var visiblePath = cipherDir.Length == 0 ? component : cipherDir + "/" + component;
                var fullName = NameTransform.IsLongNameEntry(VectorData.Ascii(component)) ? dotNames[visiblePath] : component;
                _names.ComputeDirIv(VectorData.Ascii(cipherDir), dirIv);
                Assert.That(_names.TryDecryptName(VectorData.Ascii(fullName), dirIv, plain, out var length), Is.True, visiblePath);
                plainComponents.Add(Encoding.UTF8.GetString(plain[..length]));
                cipherDir = visiblePath;
            }
            Assert.That(string.Join('/', plainComponents), Is.EqualTo(e.Str("plain_path")));
        }
    }

    [Test]
    public void The_listing_is_complete_with_virtual_entries()
    {
        var walker = new CipherPathMap(_names);
        var expected = new Dictionary<string, string>(); // cipher path -> content of virtual files (or "")
        expected["gocryptfs.diriv"] = VectorData.ToHex(PathIv.RootDirIv);
        expected["gocryptfs.conf"] = "";
        Span<byte> iv = stackalloc byte[16];
        foreach (var e in RealEntries)
        {
            var (cipherPath, fullNames) = walker.Map(e.Utf8("plain_path"));
            expected[cipherPath] = "";
            if (e.Str("type") == "dir")
            {
                PathIv.Compute(VectorData.Ascii(cipherPath), PathIvPurpose.DirIv, iv);
                expected[cipherPath + "/gocryptfs.diriv"] = VectorData.ToHex(iv);
            }
            var last = cipherPath[(cipherPath.LastIndexOf('/') + 1)..];
            if (NameTransform.IsLongNameEntry(VectorData.Ascii(last))) expected[cipherPath + ".name"] = fullNames[^1];
        }
        Assert.That(_entries.Select(e => e.Str("cipher_path")), Is.EquivalentTo(expected.Keys));
        foreach (var e in _entries.Where(e => e.Has("virtual") && e.Str("virtual") != "config"))
        {
            Assert.That(e.Str("content"), Is.EqualTo(expected[e.Str("cipher_path")]), e.Str("cipher_path"));
            var contentBytes = e.Str("virtual") == "diriv" ? Convert.FromHexString(e.Str("content")) : VectorData.Ascii(e.Str("content"));
            Assert.That(e.GetProperty("cipher_size").GetInt32(), Is.EqualTo(contentBytes.Length));
            Assert.That(VectorData.ToHex(SHA256.HashData(contentBytes)), Is.EqualTo(e.Str("sha256")));
        }
        var config = _entries.Single(e => e.Str("cipher_path") == "gocryptfs.conf");
        Assert.That(config.Str("plain_path"), Is.EqualTo(VectorData.Text(NameTransform.ReverseConfFileName)));
        var configText = VectorData.ReverseTree.Utf8("config_file_text");
        Assert.That(config.GetProperty("cipher_size").GetInt32(), Is.EqualTo(configText.Length));
        Assert.That(VectorData.ToHex(SHA256.HashData(configText)), Is.EqualTo(config.Str("sha256")));
    }

    [Test]
    public void Every_symlink_target()
    {
        var symlinks = new SymlinkTransform(_core);
        var count = 0;
        foreach (var e in RealEntries.Where(e => e.Str("type") == "symlink"))
        {
            var plainTarget = e.Utf8("plain_target");
            var cipherPath = VectorData.Ascii(e.Str("cipher_path"));
            var buffer = new byte[symlinks.EncryptedTargetLength(plainTarget.Length)];
            Assert.That(symlinks.EncryptTarget(plainTarget, cipherPath, buffer), Is.EqualTo(buffer.Length));
            Assert.That(VectorData.Text(buffer), Is.EqualTo(e.Str("cipher_target")));
            Assert.That(buffer.Length, Is.EqualTo(e.GetProperty("cipher_size").GetInt32()));
            var plain = new byte[4096];
            Assert.That(symlinks.TryDecryptTarget(buffer, plain, out var length), Is.True);
            Assert.That(plain[..length], Is.EqualTo(plainTarget));
            count++;
        }
        Assert.That(count, Is.EqualTo(3));
    }

    /// <summary>Opens every small file of the view with CryptoCore's content key: proves the HKDF content-key derivation.</summary>
    [Test]
    public void Every_small_file_opens_with_the_derived_content_key()
    {
        var count = 0;
        foreach (var e in RealEntries.Where(e => e.Str("type") == "file" && e.Has("cipher_hex") && e.GetProperty("plain_size").GetInt32() > 0))
        {
            var plain = OpenSingleBlockFile(_core, e.Hex("cipher_hex"));
            Assert.That(VectorData.ToHex(SHA256.HashData(plain)), Is.EqualTo(e.Str("plain_sha256")), e.Str("plain_path"));
            count++;
        }
        Assert.That(count, Is.EqualTo(12));
    }

    /// <summary>header(18) || nonce(16) || tag(16) || ciphertext, AD = BE64(0) || fileID (FORMAT 8.1-8.3).</summary>
    internal static byte[] OpenSingleBlockFile(CryptoCore core, byte[] cipherFile)
    {
        Assert.That(cipherFile[..2], Is.EqualTo(new byte[] { 0, 2 }));
        var fileId = cipherFile[2..18];
        var nonce = cipherFile[18..34];
        var ad = new byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(ad, 0);
        fileId.CopyTo(ad, 8);
        var plain = new byte[cipherFile.Length - 50];
        Assert.That(core.ContentSiv.TryDecrypt(ad, nonce, cipherFile.AsSpan(34), plain), Is.True);
        return plain;
    }
}
