using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format.Tests;

/// <summary>
/// Builds a gocryptfs 1.1/1.2-style reverse config (no HKDF flag): KEK = scrypt output, 12-byte GCM nonce,
/// EncryptedKey = nonce || ct || tag (60 bytes). Built with the primitives directly, independent of ConfFile.
/// </summary>
internal static class LegacyConfig
{
    public static string Build(byte[] masterKey, byte[] password)
    {
        var salt = Enumerable.Range(0x60, 32).Select(i => (byte)i).ToArray();
        var nonce = Enumerable.Range(0xb0, 12).Select(i => (byte)i).ToArray();
        var kek = new byte[32];
        Kdf.Scrypt(password, salt, 1024, 8, 1, kek);
        var ciphertext = new byte[32];
        var tag = new byte[16];
        AesGcm16.Encrypt(kek, nonce, masterKey, new byte[8], ciphertext, tag);
        var encryptedKey = Convert.ToBase64String([.. nonce, .. ciphertext, .. tag]);
        return "{\n\t\"Creator\": \"gocryptfs v1.2\",\n\t\"EncryptedKey\": \"" + encryptedKey + "\",\n\t\"ScryptObject\": {\n\t\t\"Salt\": \""
               + Convert.ToBase64String(salt) + "\",\n\t\t\"N\": 1024,\n\t\t\"R\": 8,\n\t\t\"P\": 1,\n\t\t\"KeyLen\": 32\n\t},\n\t\"Version\": 2,\n"
               + "\t\"FeatureFlags\": [\n\t\t\"GCMIV128\",\n\t\t\"DirIV\",\n\t\t\"EMENames\",\n\t\t\"LongNames\",\n\t\t\"AESSIV\"\n\t]\n}\n";
    }
}
