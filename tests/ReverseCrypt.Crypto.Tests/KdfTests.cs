using System.Text;
using System.Text.Json;

namespace ReverseCrypt.Crypto.Tests;

public class KdfTests
{
    private static IEnumerable<TestCaseData> GocryptfsHkdfCases()
        => VectorFile.Primitives("hkdf").EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(c.Str("info")));

    [TestCaseSource(nameof(GocryptfsHkdfCases))]
    public void HkdfSha256_GocryptfsVector_Matches(JsonElement vector)
    {
        byte[] output = new byte[vector.GetProperty("len").GetInt32()];
        Kdf.HkdfSha256(vector.Hex("ikm"), Encoding.ASCII.GetBytes(vector.Str("info")), output);
        Assert.That(VectorFile.ToHex(output), Is.EqualTo(vector.Str("okm")));
    }

    [Test]
    public void HkdfSha256_Rfc5869EmptySaltVector_Matches()
    {
        foreach (var vector in VectorFile.Cases("rfc5869-hkdf-sha256.json"))
        {
            byte[] output = new byte[vector.GetProperty("length").GetInt32()];
            Kdf.HkdfSha256(vector.Hex("ikm"), vector.Hex("info"), output);
            Assert.That(VectorFile.ToHex(output), Is.EqualTo(vector.Str("okm")));
        }
    }

    [Test]
    public void Scrypt_HandmadeConfig_MatchesScryptOutputAndKek()
    {
        var config = VectorFile.Primitives("config_handmade");
        byte[] output = new byte[config.GetProperty("KeyLen").GetInt32()];
        Kdf.Scrypt(Encoding.UTF8.GetBytes(config.Str("password_utf8")), config.Hex("scrypt_salt"),
            config.GetProperty("N").GetInt64(), config.GetProperty("R").GetInt32(), config.GetProperty("P").GetInt32(), output);
        Assert.That(VectorFile.ToHex(output), Is.EqualTo(config.Str("scrypt_output")));

        byte[] kek = new byte[32];
        Kdf.HkdfSha256(output, "AES-GCM file content encryption"u8, kek);
        Assert.That(VectorFile.ToHex(kek), Is.EqualTo(config.Str("kek = HKDF(scrypt_output, 'AES-GCM file content encryption', 32)")));
    }

    [Test]
    public void ConfigWrittenByGocryptfs_UnwrapsWithPassword_ToMasterKey()
    {
        // The whole docs/format.md 3.4 chain against a config file written by gocryptfs 2.3 itself (N = 2^16).
        var vector = VectorFile.Primitives("config_from_gocryptfs");
        using var json = JsonDocument.Parse(vector.Str("file_text"));
        var conf = json.RootElement;
        var scrypt = conf.GetProperty("ScryptObject");
        byte[] salt = Convert.FromBase64String(scrypt.GetProperty("Salt").GetString()!);
        byte[] encryptedKey = Convert.FromBase64String(conf.GetProperty("EncryptedKey").GetString()!);
        Assert.That(encryptedKey.Length, Is.EqualTo(64));

        byte[] scryptOutput = new byte[scrypt.GetProperty("KeyLen").GetInt32()];
        Kdf.Scrypt(Encoding.UTF8.GetBytes(vector.Str("password_utf8")), salt, scrypt.GetProperty("N").GetInt64(),
            scrypt.GetProperty("R").GetInt32(), scrypt.GetProperty("P").GetInt32(), scryptOutput);
        byte[] kek = new byte[32];
        Kdf.HkdfSha256(scryptOutput, "AES-GCM file content encryption"u8, kek);
        byte[] masterKey = new byte[32];
        bool ok = AesGcm16.TryDecrypt(kek, encryptedKey.AsSpan(0, 16), encryptedKey.AsSpan(16, 32), encryptedKey.AsSpan(48), new byte[8], masterKey);
        Assert.That(ok, Is.True);
        Assert.That(VectorFile.ToHex(masterKey), Is.EqualTo(vector.Str("decrypts_to")));
    }

    [Test]
    public void Scrypt_UnsupportedParameters_ThrowClearErrors()
    {
        byte[] output = new byte[32];
        Assert.That(() => Kdf.Scrypt("pw"u8, new byte[48], 1024, 8, 1, output),
            Throws.ArgumentException.With.Message.Contains("only 32-byte salts"));
        Assert.That(() => Kdf.Scrypt("pw"u8, new byte[16], 1024, 8, 1, output), Throws.ArgumentException);
        Assert.That(() => Kdf.Scrypt("pw"u8, new byte[32], 1000, 8, 1, output),
            Throws.ArgumentException.With.Message.Contains("power of two"));
        Assert.That(() => Kdf.Scrypt("pw"u8, new byte[32], 1024, 0, 1, output), Throws.ArgumentException);
    }

    [Test]
    public void Hkdf_InvalidArguments_Throw()
    {
        Assert.That(() => Kdf.HkdfSha256([], "x"u8, new byte[32]), Throws.ArgumentException);
        Assert.That(() => Kdf.HkdfSha256(new byte[32], "x"u8, new byte[8161]), Throws.ArgumentException);
    }
}
