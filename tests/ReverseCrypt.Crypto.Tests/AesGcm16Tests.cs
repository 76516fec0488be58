using System.Text.Json;

namespace ReverseCrypt.Crypto.Tests;

public class AesGcm16Tests
{
    private static IEnumerable<TestCaseData> SpecCases()
        => VectorFile.Cases("gcm-spec-mcgrew-viega.json").Select(c => new TestCaseData(c).SetArgDisplayNames(c.Str("name")));

    [TestCaseSource(nameof(SpecCases))]
    public void EncryptDecrypt_McGrewViegaVector_Matches(JsonElement vector)
    {
        byte[] key = vector.Hex("key"), iv = vector.Hex("iv"), aad = vector.Hex("aad"), plaintext = vector.Hex("plaintext");
        byte[] ciphertext = new byte[plaintext.Length], tag = new byte[16];
        AesGcm16.Encrypt(key, iv, plaintext, aad, ciphertext, tag);
        Assert.That(VectorFile.ToHex(ciphertext), Is.EqualTo(vector.Str("ciphertext")));
        Assert.That(VectorFile.ToHex(tag), Is.EqualTo(vector.Str("tag")));

        byte[] decrypted = new byte[plaintext.Length];
        Assert.That(AesGcm16.TryDecrypt(key, iv, ciphertext, tag, aad, decrypted), Is.True);
        Assert.That(decrypted, Is.EqualTo(plaintext));
        tag[15] ^= 1;
        Assert.That(AesGcm16.TryDecrypt(key, iv, ciphertext, tag, aad, new byte[plaintext.Length]), Is.False);
    }

    [Test]
    public void Encrypt_12ByteNonce_MatchesDotNetAesGcm()
    {
        var random = new Random(17);
        for (int i = 0; i < 200; i++)
        {
            byte[] key = new byte[32], nonce = new byte[12], plaintext = new byte[random.Next(0, 300)], aad = new byte[random.Next(0, 70)];
            random.NextBytes(key);
            random.NextBytes(nonce);
            random.NextBytes(plaintext);
            random.NextBytes(aad);
            byte[] expectedCipher = new byte[plaintext.Length], expectedTag = new byte[16];
            using (var reference = new System.Security.Cryptography.AesGcm(key, 16))
            {
                reference.Encrypt(nonce, plaintext, expectedCipher, expectedTag, aad);
            }

            byte[] ciphertext = new byte[plaintext.Length], tag = new byte[16];
            AesGcm16.Encrypt(key, nonce, plaintext, aad, ciphertext, tag);
            Assert.That(ciphertext, Is.EqualTo(expectedCipher));
            Assert.That(tag, Is.EqualTo(expectedTag));
        }
    }

    [Test]
    public void TryDecrypt_HandmadeConfigEncryptedKey_GivesMasterKey()
    {
        var config = VectorFile.Primitives("config_handmade");
        byte[] kek = config.Hex("kek = HKDF(scrypt_output, 'AES-GCM file content encryption', 32)");
        byte[] nonce = config.Hex("gcm_nonce_16_bytes");
        byte[] aad = config.Hex("gcm_aad");
        byte[] encryptedKey = config.Hex("EncryptedKey_hex (nonce||ct||tag)");
        Assert.That(encryptedKey.AsSpan(0, 16).SequenceEqual(nonce), Is.True);
        Assert.That(Convert.ToBase64String(encryptedKey), Is.EqualTo(config.Str("EncryptedKey_base64")));

        byte[] masterKey = new byte[32];
        Assert.That(AesGcm16.TryDecrypt(kek, nonce, encryptedKey.AsSpan(16, 32), encryptedKey.AsSpan(48, 16), aad, masterKey), Is.True);
        Assert.That(VectorFile.ToHex(masterKey), Is.EqualTo(VectorFile.Load("primitives_vectors.json").Str("masterkey_hex")));

        byte[] ciphertext = new byte[32], tag = new byte[16];
        AesGcm16.Encrypt(kek, nonce, masterKey, aad, ciphertext, tag);
        Assert.That(ciphertext, Is.EqualTo(encryptedKey[16..48]));
        Assert.That(tag, Is.EqualTo(encryptedKey[48..]));

        kek[0] ^= 1;
        byte[] untouched = new byte[32];
        Assert.That(AesGcm16.TryDecrypt(kek, nonce, encryptedKey.AsSpan(16, 32), encryptedKey.AsSpan(48, 16), aad, untouched), Is.False);
        Assert.That(untouched.All(b => b == 0), Is.True);
    }

    [Test]
    public void EncryptDecrypt_InPlace_Works()
    {
        byte[] key = new byte[32], nonce = new byte[16], data = [1, 2, 3, 4, 5], tag = new byte[16];
        AesGcm16.Encrypt(key, nonce, data, [], data, tag);
        Assert.That(data, Is.Not.EqualTo(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.That(AesGcm16.TryDecrypt(key, nonce, data, tag, [], data), Is.True);
        Assert.That(data, Is.EqualTo(new byte[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public void Arguments_Invalid_Throw()
    {
        Assert.That(() => AesGcm16.Encrypt(new byte[32], [], [], [], [], new byte[16]), Throws.ArgumentException);
        Assert.That(() => AesGcm16.Encrypt(new byte[32], new byte[16], new byte[2], [], new byte[3], new byte[16]), Throws.ArgumentException);
        Assert.That(() => AesGcm16.Encrypt(new byte[32], new byte[16], [], [], [], new byte[12]), Throws.ArgumentException);
        Assert.That(() => AesGcm16.Encrypt(new byte[31], new byte[16], [], [], [], new byte[16]), Throws.ArgumentException);
        byte[] shared = new byte[10];
        Assert.That(() => AesGcm16.Encrypt(new byte[32], new byte[16], shared.AsSpan(0, 5), [], shared.AsSpan(2, 5), new byte[16]), Throws.ArgumentException);
    }
}
