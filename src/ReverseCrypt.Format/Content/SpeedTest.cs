// Crypto throughput as the reverse view uses it (cf. gocryptfs -speed, internal/speed): single thread,
// 4 KiB blocks sealed through ContentCipher the way a 128 KiB FUSE read does (32 blocks per call),
// EME on a typical 32-byte padded name, and AES-GCM-256 with a 16-byte nonce on 4 KiB (config wrapping).
// MB/s counts plaintext bytes, 1 MB = 10^6 bytes (as gocryptfs -speed).
using System.Diagnostics;
using System.Security.Cryptography;
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format.Content;

/// <summary>Measures the primitives; used by `reversecrypt speed`.</summary>
public static class SpeedTest
{
    private const int RequestBytes = 128 * 1024;

    /// <summary>Runs each primitive for about perPrimitive (after a short warm-up) on the calling thread.</summary>
    public static IReadOnlyList<SpeedResult> Run(TimeSpan perPrimitive)
    {
        if (perPrimitive <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(perPrimitive));
        }

        byte[] key = RandomNumberGenerator.GetBytes(AesSiv.KeySize);
        byte[] fileId = RandomNumberGenerator.GetBytes(ContentLayout.FileIdSize);
        byte[] block0Iv = RandomNumberGenerator.GetBytes(ContentLayout.NonceSize);
        byte[] plain = RandomNumberGenerator.GetBytes(RequestBytes);
        byte[] cipher = new byte[ContentLayout.CipherLengthOfBlocks(RequestBytes)];
        byte[] decrypted = new byte[RequestBytes];
        var results = new List<SpeedResult>();

        using (var siv = new AesSiv(key))
        {
            var content = new ContentCipher(siv);
            ulong blockNo = 0;
            results.Add(new("AES-SIV-512 encrypt", Measure(perPrimitive, RequestBytes, () =>
            {
                content.EncryptBlocks(plain, blockNo, fileId, block0Iv, cipher);
                blockNo += RequestBytes / ContentLayout.PlainBlockSize;
            }), "MB/s"));

            content.EncryptBlocks(plain, 0, fileId, block0Iv, cipher);
            results.Add(new("AES-SIV-512 decrypt", Measure(perPrimitive, RequestBytes, () =>
            {
                if (!content.TryDecryptBlocks(cipher, 0, fileId, decrypted, out _))
                {
                    throw new CryptographicException("speed test: decryption failed");
                }
            }), "MB/s"));
        }

        using (var eme = new Eme(key.AsSpan(0, Eme.KeySize)))
        {
            byte[] tweak = RandomNumberGenerator.GetBytes(Eme.TweakSize);
            byte[] name = RandomNumberGenerator.GetBytes(32);
            double bytesPerSecond = Measure(perPrimitive, name.Length, () => eme.Encrypt(tweak, name, name)) * 1e6;
            results.Add(new("EME names", bytesPerSecond / name.Length, "names/s"));
        }

        byte[] nonce = RandomNumberGenerator.GetBytes(AesGcm16.NonceSize);
        byte[] tag = new byte[AesGcm16.TagSize];
        byte[] gcmPlain = plain.AsSpan(0, ContentLayout.PlainBlockSize).ToArray();
        byte[] gcmCipher = new byte[gcmPlain.Length];
        results.Add(new("AES-GCM-256 (config)", Measure(perPrimitive, gcmPlain.Length,
            () => AesGcm16.Encrypt(key.AsSpan(0, 32), nonce, gcmPlain, [], gcmCipher, tag)), "MB/s"));
        return results;
    }

    /// <summary>MB/s (10^6 bytes) of an action that processes bytesPerCall bytes.</summary>
    private static double Measure(TimeSpan duration, int bytesPerCall, Action action)
    {
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromTicks(Math.Min(duration.Ticks / 4, TimeSpan.FromMilliseconds(200).Ticks)))
        {
            action();
        }

        long calls = 0;
        var stopwatch = Stopwatch.StartNew();
        do
        {
            action();
            calls++;
        }
        while (stopwatch.Elapsed < duration);

        return calls * (double)bytesPerCall / stopwatch.Elapsed.TotalSeconds / 1e6;
    }
}
