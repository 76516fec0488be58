using System.Security.Cryptography;
using System.Text.Json;
using ReverseCrypt.Crypto;
using ReverseCrypt.Format.Content;

namespace ReverseCrypt.Format.Tests.Content;

public class ContentCipherTests
{
    private static IEnumerable<TestCaseData> Files()
        => ContentVectors.RegularFiles.Select(e => new TestCaseData(e).SetArgDisplayNames(ContentVectors.Text(e, "cipher_path")[..Math.Min(22, ContentVectors.Text(e, "cipher_path").Length)]));

    [Test]
    public void ComputeNonce_BlockIvExamples_Match()
    {
        foreach (JsonElement example in ContentVectors.Primitives.GetProperty("block_iv_examples").EnumerateArray())
        {
            byte[] nonce = new byte[16];
            ContentCipher.ComputeNonce(ContentVectors.Hex(example, "block0iv"), example.GetProperty("blockNo").GetUInt64(), nonce);
            Assert.That(Convert.ToHexStringLower(nonce), Is.EqualTo(ContentVectors.Text(example, "iv")));
        }
    }

    [Test]
    public void EncryptBlocks_ContentBlockVectors_Match([Values] bool hardware)
    {
        using var siv = ContentVectors.ContentSiv(hardware);
        var cipher = new ContentCipher(siv);
        foreach (JsonElement vector in ContentVectors.Primitives.GetProperty("content_blocks").EnumerateArray())
        {
            string cipherPath = ContentVectors.Text(vector, "cipher_path");
            byte[] fileId = ContentVectors.PathIv(cipherPath, "FILEID");
            byte[] block0Iv = ContentVectors.PathIv(cipherPath, "BLOCK0IV");
            ulong blockNo = vector.GetProperty("blockNo").GetUInt64();
            Assert.That(Convert.ToHexStringLower(fileId), Is.EqualTo(ContentVectors.Text(vector, "file_id")));
            int plainLength = vector.GetProperty("plain_len").GetInt32();
            byte[] plain = vector.TryGetProperty("plaintext", out _)
                ? ContentVectors.Hex(vector, "plaintext")
                : Enumerable.Range(0, plainLength).Select(i => (byte)(i % 251)).ToArray(); // f4097 block 0
            byte[] block = new byte[vector.GetProperty("cipher_len").GetInt32()];
            cipher.EncryptBlocks(plain, blockNo, fileId, block0Iv, block);
            if (vector.TryGetProperty("cipher_block (nonce||tag||ct)", out var full))
            {
                Assert.That(Convert.ToHexStringLower(block), Is.EqualTo(full.GetString()));
            }
            else
            {
                Assert.That(Convert.ToHexStringLower(SHA256.HashData(block)), Is.EqualTo(ContentVectors.Text(vector, "cipher_block_sha256")));
            }

            byte[] decrypted = new byte[plain.Length];
            Assert.That(cipher.TryDecryptBlocks(block, blockNo, fileId, decrypted, out int bad), Is.True);
            Assert.That(bad, Is.EqualTo(-1));
            Assert.That(decrypted, Is.EqualTo(plain));
        }
    }

    [TestCaseSource(nameof(Files))]
    public void EncryptWholeFile_EqualsGocryptfsReverseView(JsonElement entry)
    {
        string cipherPath = ContentVectors.Text(entry, "cipher_path");
        byte[] plain = ContentVectors.PlainFile(ContentVectors.Text(entry, "plain_path"));
        byte[] expected = ContentVectors.CipherFile(cipherPath);
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(plain)), Is.EqualTo(ContentVectors.Text(entry, "plain_sha256")));
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(expected)), Is.EqualTo(ContentVectors.Text(entry, "sha256")));

        using var siv = ContentVectors.ContentSiv();
        var content = new ContentCipher(siv);
        byte[] view = new byte[ContentLayout.PlainToCipherSize(plain.Length)];
        if (plain.Length > 0)
        {
            byte[] fileId = ContentVectors.PathIv(cipherPath, "FILEID");
            byte[] block0Iv = ContentVectors.PathIv(cipherPath, "BLOCK0IV");
            FileHeader.Write(fileId, view);
            content.EncryptBlocks(plain, 0, fileId, block0Iv, view.AsSpan(FileHeader.Size));
            if (entry.TryGetProperty("block0_nonce_hex", out var nonce))
            {
                Assert.That(Convert.ToHexStringLower(view.AsSpan(18, 16)), Is.EqualTo(nonce.GetString()));
            }
        }

        Assert.That(view, Is.EqualTo(expected));
        if (entry.TryGetProperty("cipher_hex", out var cipherHex))
        {
            Assert.That(Convert.ToHexStringLower(view), Is.EqualTo(cipherHex.GetString()));
        }
    }

    [TestCaseSource(nameof(Files))]
    public void DecryptWholeFile_GocryptfsReverseView_GivesPlaintext(JsonElement entry)
    {
        byte[] view = ContentVectors.CipherFile(ContentVectors.Text(entry, "cipher_path"));
        byte[] expectedPlain = ContentVectors.PlainFile(ContentVectors.Text(entry, "plain_path"));
        long plainSize = ContentLayout.CipherToPlainSize(view.Length);
        Assert.That(plainSize, Is.EqualTo(expectedPlain.Length));
        if (view.Length == 0)
        {
            return;
        }

        byte[] fileId = new byte[16];
        Assert.That(FileHeader.TryParse(view, fileId), Is.True);
        using var siv = ContentVectors.ContentSiv();
        byte[] plain = new byte[plainSize];
        Assert.That(new ContentCipher(siv).TryDecryptBlocks(view.AsSpan(FileHeader.Size), 0, fileId, plain, out int bad), Is.True);
        Assert.That(bad, Is.EqualTo(-1));
        Assert.That(plain, Is.EqualTo(expectedPlain));
    }

    [Test]
    public void EncryptBlocks_AnyBlockRangeOfF10000_EqualsTheSameSliceOfTheView()
    {
        // The reverse view encrypts whatever blocks a read touches; every range must match the whole-file bytes.
        var entry = ContentVectors.RegularFiles.Single(e => ContentVectors.Text(e, "plain_path") == "f10000");
        string cipherPath = ContentVectors.Text(entry, "cipher_path");
        byte[] plain = ContentVectors.PlainFile("f10000");
        byte[] view = ContentVectors.CipherFile(cipherPath);
        byte[] fileId = ContentVectors.PathIv(cipherPath, "FILEID");
        byte[] block0Iv = ContentVectors.PathIv(cipherPath, "BLOCK0IV");
        using var siv = ContentVectors.ContentSiv();
        var content = new ContentCipher(siv);
        for (int first = 0; first < 3; first++)
        {
            for (int last = first; last < 3; last++)
            {
                int plainStart = first * 4096;
                int plainEnd = Math.Min(plain.Length, (last + 1) * 4096);
                byte[] cipher = new byte[ContentLayout.CipherLengthOfBlocks(plainEnd - plainStart)];
                content.EncryptBlocks(plain.AsSpan(plainStart, plainEnd - plainStart), (ulong)first, fileId, block0Iv, cipher);
                Assert.That(cipher, Is.EqualTo(view.AsSpan(18 + first * 4128, cipher.Length).ToArray()), $"blocks {first}..{last}");
            }
        }
    }

    [Test]
    public void TryDecryptBlocks_HoleAndDamage_AreHandledPerFormat13()
    {
        using var siv = ContentVectors.ContentSiv();
        var content = new ContentCipher(siv);
        byte[] fileId = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        byte[] block0Iv = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();
        byte[] plain = new byte[3 * 4096 + 100];
        new Random(1).NextBytes(plain);
        byte[] cipher = new byte[ContentLayout.CipherLengthOfBlocks(plain.Length)];
        content.EncryptBlocks(plain, 7, fileId, block0Iv, cipher);
        byte[] output = new byte[plain.Length];

        Assert.That(content.TryDecryptBlocks(cipher, 7, fileId, output, out int bad), Is.True);
        Assert.That(output, Is.EqualTo(plain));

        Assert.That(content.TryDecryptBlocks(cipher, 8, fileId, output, out bad), Is.False, "wrong block number");
        Assert.That(bad, Is.EqualTo(0));
        Assert.That(output.All(b => b == 0), Is.True, "plain cleared on failure");

        byte[] otherFile = (byte[])fileId.Clone();
        otherFile[15] ^= 1;
        Assert.That(content.TryDecryptBlocks(cipher, 7, otherFile, output, out bad), Is.False, "wrong file ID");

        byte[] damaged = (byte[])cipher.Clone();
        damaged[2 * 4128 + 40] ^= 0x10;
        Assert.That(content.TryDecryptBlocks(damaged, 7, fileId, output, out bad), Is.False, "flipped ciphertext bit");
        Assert.That(bad, Is.EqualTo(2));

        byte[] hole = (byte[])cipher.Clone();
        Array.Clear(hole, 4128, 4128);
        Assert.That(content.TryDecryptBlocks(hole, 7, fileId, output, out bad), Is.True, "all-zero block = hole");
        Assert.That(output.AsSpan(4096, 4096).ContainsAnyExcept((byte)0), Is.False);
        Assert.That(output.AsSpan(0, 4096).SequenceEqual(plain.AsSpan(0, 4096)), Is.True);
        Assert.That(output.AsSpan(8192).SequenceEqual(plain.AsSpan(8192)), Is.True);

        byte[] zeroNonce = (byte[])cipher.Clone();
        Array.Clear(zeroNonce, 4128, 16);
        Assert.That(content.TryDecryptBlocks(zeroNonce, 7, fileId, output, out bad), Is.False, "all-zero nonce");
        Assert.That(bad, Is.EqualTo(1));

        byte[] zeroLast = (byte[])cipher.Clone();
        Array.Clear(zeroLast, 3 * 4128, 132);
        Assert.That(content.TryDecryptBlocks(zeroLast, 7, fileId, output, out bad), Is.False, "short all-zero last block is no hole");
        Assert.That(bad, Is.EqualTo(3));

        byte[] truncated = cipher[..(3 * 4128 + 20)];
        Assert.That(content.TryDecryptBlocks(truncated, 7, fileId, new byte[3 * 4096 + 1], out bad), Is.False, "truncated last block");
        Assert.That(bad, Is.EqualTo(3));
    }

    [Test]
    public void EncryptDecrypt_RandomRuns_EqualPerBlockAesSivAndFallback()
    {
        using var siv = ContentVectors.ContentSiv();
        using var software = ContentVectors.ContentSiv(allowHardware: false);
        var content = new ContentCipher(siv);
        var softwareContent = new ContentCipher(software);
        var random = new Random(2);
        byte[] fileId = new byte[16], block0Iv = new byte[16];
        foreach (int plainLength in new[] { 1, 15, 16, 17, 4095, 4096, 4097, 8192, 4 * 4096, 7 * 4096 + 1, 8 * 4096, 9 * 4096 - 3, 32 * 4096, 33 * 4096 + 100, 70 * 4096 })
        {
            random.NextBytes(fileId);
            random.NextBytes(block0Iv);
            block0Iv[8] = 0xff; // make the low 64 bits of the nonce wrap inside some runs
            ulong firstBlockNo = (ulong)random.Next(0, 1000);
            byte[] plain = new byte[plainLength];
            random.NextBytes(plain);
            byte[] cipher = new byte[ContentLayout.CipherLengthOfBlocks(plainLength)];
            content.EncryptBlocks(plain, firstBlockNo, fileId, block0Iv, cipher);

            byte[] reference = new byte[cipher.Length];
            byte[] ad = new byte[24];
            for (int i = 0; i * 4096 < plainLength; i++)
            {
                int length = Math.Min(4096, plainLength - i * 4096);
                var block = reference.AsSpan(i * 4128, length + 32);
                ContentCipher.ComputeNonce(block0Iv, firstBlockNo + (ulong)i, block[..16]);
                ContentCipher.ComputeAssociatedData(firstBlockNo + (ulong)i, fileId, ad);
                software.Encrypt(plain.AsSpan(i * 4096, length), block[16..], [ad, block[..16].ToArray()]);
            }

            Assert.That(cipher, Is.EqualTo(reference), $"length {plainLength}");
            byte[] softwareCipher = new byte[cipher.Length];
            softwareContent.EncryptBlocks(plain, firstBlockNo, fileId, block0Iv, softwareCipher);
            Assert.That(softwareCipher, Is.EqualTo(cipher));

            byte[] decrypted = new byte[plainLength];
            Assert.That(content.TryDecryptBlocks(cipher, firstBlockNo, fileId, decrypted, out _), Is.True);
            Assert.That(decrypted, Is.EqualTo(plain));
            Array.Clear(decrypted);
            Assert.That(softwareContent.TryDecryptBlocks(cipher, firstBlockNo, fileId, decrypted, out _), Is.True);
            Assert.That(decrypted, Is.EqualTo(plain));

            int victim = random.Next(0, cipher.Length);
            cipher[victim] ^= 1;
            Assert.That(content.TryDecryptBlocks(cipher, firstBlockNo, fileId, decrypted, out int bad), Is.False);
            Assert.That(bad, Is.EqualTo(victim / 4128));
        }
    }

    [Test]
    public void Arguments_Invalid_Throw()
    {
        using var siv = new AesSiv(new byte[64]);
        var content = new ContentCipher(siv);
        byte[] id = new byte[16];
        Assert.That(() => content.EncryptBlocks(new byte[10], 0, id, id, new byte[41]), Throws.ArgumentException);
        Assert.That(() => content.EncryptBlocks(new byte[10], 0, new byte[15], id, new byte[42]), Throws.ArgumentException);
        Assert.That(() => content.EncryptBlocks(new byte[10], 0, id, new byte[8], new byte[42]), Throws.ArgumentException);
        Assert.That(() => content.TryDecryptBlocks(new byte[42], 0, id, new byte[11], out _), Throws.ArgumentException);
        content.EncryptBlocks([], 0, id, id, []);
        Assert.That(content.TryDecryptBlocks([], 0, id, [], out int bad), Is.True);
        Assert.That(bad, Is.EqualTo(-1));
    }

    [Test]
    public void EncryptAndDecrypt128KiB_SteadyState_AllocateNothing()
    {
        using var siv = ContentVectors.ContentSiv();
        var content = new ContentCipher(siv);
        byte[] fileId = new byte[16], block0Iv = new byte[16];
        fileId[0] = 1;
        block0Iv[0] = 2;
        byte[] plain = new byte[128 * 1024 + 100];
        new Random(9).NextBytes(plain);
        byte[] cipher = new byte[ContentLayout.CipherLengthOfBlocks(plain.Length)];
        byte[] decrypted = new byte[plain.Length];
        content.EncryptBlocks(plain, 0, fileId, block0Iv, cipher);
        Assert.That(content.TryDecryptBlocks(cipher, 0, fileId, decrypted, out _), Is.True);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            content.EncryptBlocks(plain, (ulong)i, fileId, block0Iv, cipher);
            content.TryDecryptBlocks(cipher, (ulong)i, fileId, decrypted, out _);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(decrypted, Is.EqualTo(plain));
    }
}
