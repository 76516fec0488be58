using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format.Tests;

public class HkdfInfoTests
{
    [Test]
    public void Info_strings_are_pinned_byte_for_byte()
    {
        // Hex of the ASCII strings of docs/format.md sections 3.4 and 4.
        Assert.That(VectorData.ToHex(HkdfInfo.EmeNames), Is.EqualTo("454d452066696c656e616d6520656e6372797074696f6e")); // "EME filename encryption"
        Assert.That(VectorData.ToHex(HkdfInfo.AesSivContent),
            Is.EqualTo("4145532d5349562066696c6520636f6e74656e7420656e6372797074696f6e")); // "AES-SIV file content encryption"
        Assert.That(VectorData.ToHex(HkdfInfo.AesGcmContent),
            Is.EqualTo("4145532d47434d2066696c6520636f6e74656e7420656e6372797074696f6e")); // "AES-GCM file content encryption"
        Assert.That(VectorData.ToHex(HkdfInfo.ConfigKek), Is.EqualTo(VectorData.ToHex(HkdfInfo.AesGcmContent)));
        Assert.That(VectorData.ToHex(HkdfInfo.XChaCha20Poly1305Content),
            Is.EqualTo("5843686143686132302d506f6c79313330352066696c6520636f6e74656e7420656e6372797074696f6e")); // "XChaCha20-Poly1305 file content encryption"
    }

    [Test]
    public void Info_strings_are_the_ones_of_the_vector_file()
    {
        var infos = VectorData.Primitives.GetProperty("hkdf").EnumerateArray().Select(v => v.Str("info")).ToList();
        Assert.That(infos, Does.Contain(VectorData.Text(HkdfInfo.EmeNames)));
        Assert.That(infos, Does.Contain(VectorData.Text(HkdfInfo.AesSivContent)));
    }

    [Test]
    public void Master_key_derivations_match_the_vectors()
    {
        using var key = MasterKey.FromBytes(VectorData.MasterKeyBytes);
        foreach (var v in VectorData.Primitives.GetProperty("hkdf").EnumerateArray())
        {
            Assert.That(v.Str("ikm"), Is.EqualTo(VectorData.Primitives.Str("masterkey_hex")));
            var output = new byte[v.GetProperty("len").GetInt32()];
            key.Derive(VectorData.Ascii(v.Str("info")), output);
            Assert.That(VectorData.ToHex(output), Is.EqualTo(v.Str("okm")), v.Str("info"));
        }
        var derived = VectorData.ReverseTree.GetProperty("derived_keys_hex");
        var eme = new byte[32];
        var siv = new byte[64];
        key.Derive(HkdfInfo.EmeNames, eme);
        key.Derive(HkdfInfo.AesSivContent, siv);
        Assert.That(VectorData.ToHex(eme), Is.EqualTo(derived.Str("eme_key")));
        Assert.That(VectorData.ToHex(siv), Is.EqualTo(derived.Str("siv_key_64")));
    }
}
