using System.Runtime.Intrinsics;
using System.Text.Json;

namespace ReverseCrypt.Crypto.Tests;

public class AesEngineTests
{
    private static IEnumerable<TestCaseData> Fips197Cases()
    {
        foreach (var c in VectorFile.Cases("fips197-aes.json"))
        {
            yield return new TestCaseData(c, true).SetArgDisplayNames(c.Str("name"), "hardware");
            yield return new TestCaseData(c, false).SetArgDisplayNames(c.Str("name"), "fallback");
        }
    }

    [TestCaseSource(nameof(Fips197Cases))]
    public void EncryptDecrypt_Fips197Vector_Matches(JsonElement vector, bool hardware)
    {
        using var aes = new AesEngine(vector.Hex("key"), hardware);
        var plain = Vector128.Create(vector.Hex("plaintext"));
        var cipher = aes.Encrypt(plain);
        Assert.That(VectorFile.ToHex(ToArray(cipher)), Is.EqualTo(vector.Str("ciphertext")));
        Assert.That(aes.Decrypt(cipher), Is.EqualTo(plain));

        byte[] ecb = vector.Hex("plaintext");
        aes.EncryptEcb(ecb, ecb);
        Assert.That(VectorFile.ToHex(ecb), Is.EqualTo(vector.Str("ciphertext")));
        aes.DecryptEcb(ecb, ecb);
        Assert.That(ecb, Is.EqualTo(vector.Hex("plaintext")));
    }

    [Test]
    public void HardwareAndFallback_RandomKeysAndBlocks_Agree([Values(16, 24, 32)] int keyLength)
    {
        if (!System.Runtime.Intrinsics.X86.Aes.IsSupported)
        {
            Assert.Ignore("no AES-NI on this machine: only the fallback path exists");
        }

        var random = new Random(keyLength);
        for (int i = 0; i < 50; i++)
        {
            byte[] key = new byte[keyLength];
            byte[] data = new byte[16 * (1 + i % 9)];
            random.NextBytes(key);
            random.NextBytes(data);
            using var hardware = new AesEngine(key, allowHardware: true);
            using var fallback = new AesEngine(key, allowHardware: false);
            Assert.That(hardware.IsHardware && !fallback.IsHardware, Is.True);
            byte[] a = new byte[data.Length], b = new byte[data.Length];
            hardware.EncryptEcb(data, a);
            fallback.EncryptEcb(data, b);
            Assert.That(a, Is.EqualTo(b));
            hardware.DecryptEcb(a, a);
            fallback.DecryptEcb(b, b);
            Assert.That(a, Is.EqualTo(data));
            Assert.That(b, Is.EqualTo(data));
        }
    }

    [Test]
    public void Constructor_BadKeyLength_Throws()
    {
        Assert.That(() => new AesEngine(new byte[20]), Throws.ArgumentException);
    }

    [Test]
    public void Encrypt_AfterDispose_Throws()
    {
        var aes = new AesEngine(new byte[32]);
        aes.Dispose();
        Assert.That(() => aes.Encrypt(Vector128<byte>.Zero), Throws.TypeOf<ObjectDisposedException>());
    }

    private static byte[] ToArray(Vector128<byte> v)
    {
        byte[] bytes = new byte[16];
        v.CopyTo(bytes);
        return bytes;
    }
}
