namespace ReverseCrypt.Crypto.Tests;

/// <summary>The public batch API of AesSiv (nonce-prefixed records, the layout of gocryptfs content blocks) against
/// the single-message path, and its argument checks. Uses only the public surface, as ReverseCrypt.Format does.</summary>
public class AesSivBatchRecordTests
{
    [Test]
    public void Records_EqualSingleMessages_AndOpenAgain(
        [Values(1, 2, 8, 9, 33)] int count,
        [Values(16, 100, 4096)] int messageLength,
        [Values(0, 16)] int nonceLength,
        [Values(0, 24)] int adLength)
    {
        var random = new Random(count * 10_000 + messageLength * 10 + nonceLength + adLength);
        byte[] key = new byte[AesSiv.KeySize];
        random.NextBytes(key);
        using var siv = new AesSiv(key);
        int recordLength = nonceLength + AesSiv.TagSize + messageLength;
        byte[] ad = new byte[count * adLength], plain = new byte[count * messageLength], records = new byte[count * recordLength];
        random.NextBytes(ad);
        random.NextBytes(plain);
        random.NextBytes(records); // the nonces; the rest of each record is overwritten
        byte[] nonces = new byte[count * nonceLength];
        for (int i = 0; i < count; i++)
        {
            records.AsSpan(i * recordLength, nonceLength).CopyTo(nonces.AsSpan(i * nonceLength));
        }

        siv.EncryptBatch(count, ad, plain, records, nonceLength);

        for (int i = 0; i < count; i++)
        {
            var record = records.AsSpan(i * recordLength, recordLength);
            Assert.That(record[..nonceLength].SequenceEqual(nonces.AsSpan(i * nonceLength, nonceLength)), Is.True, $"nonce {i} kept");
            byte[] expected = new byte[AesSiv.TagSize + messageLength];
            siv.Encrypt(ad.AsSpan(i * adLength, adLength), record[..nonceLength], plain.AsSpan(i * messageLength, messageLength), expected);
            Assert.That(record[nonceLength..].ToArray(), Is.EqualTo(expected), $"record {i}");
        }

        byte[] opened = new byte[plain.Length];
        Assert.That(siv.TryDecryptBatch(count, ad, records, nonceLength, opened, out int firstBad), Is.True);
        Assert.That(firstBad, Is.EqualTo(-1));
        Assert.That(opened, Is.EqualTo(plain));

        int victim = random.Next(count);
        records[victim * recordLength + random.Next(recordLength)] ^= 0x10; // nonce, tag or ciphertext
        Assert.That(siv.TryDecryptBatch(count, ad, records, nonceLength, opened, out firstBad), Is.False);
        Assert.That(firstBad, Is.EqualTo(victim));
        Assert.That(opened.AsSpan(victim * messageLength, messageLength).ContainsAnyExcept((byte)0), Is.False, "failed message cleared");
    }

    [Test]
    public void EmptyBatch_TakesEmptyBuffers()
    {
        using var siv = new AesSiv(new byte[AesSiv.KeySize]);
        siv.EncryptBatch(0, [], [], [], 16);
        Assert.That(siv.TryDecryptBatch(0, [], [], 16, [], out int firstBad), Is.True);
        Assert.That(firstBad, Is.EqualTo(-1));
        Assert.That(() => siv.EncryptBatch(0, [], new byte[16], [], 16), Throws.ArgumentException);
    }

    [Test]
    public void BadShapes_AreRefused()
    {
        using var siv = new AesSiv(new byte[AesSiv.KeySize]);
        byte[] ad = new byte[2 * 24], plain = new byte[2 * 32], records = new byte[2 * (16 + 16 + 32)];
        Assert.That(() => siv.EncryptBatch(-1, ad, plain, records, 16), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => siv.EncryptBatch(2, ad, plain, records, -1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => siv.EncryptBatch(2, ad.AsSpan(1), plain, records, 16), Throws.ArgumentException.With.Property("ParamName").EqualTo("associatedData"));
        Assert.That(() => siv.EncryptBatch(2, ad, plain.AsSpan(1), records, 16), Throws.ArgumentException.With.Property("ParamName").EqualTo("plaintext"));
        Assert.That(() => siv.EncryptBatch(2, ad, plain, records.AsSpan(1), 16), Throws.ArgumentException.With.Property("ParamName").EqualTo("records"));
        Assert.That(() => siv.EncryptBatch(2, ad, plain, records, 15), Throws.ArgumentException.With.Property("ParamName").EqualTo("records"));
        Assert.That(() => siv.EncryptBatch(3, ad, plain, records, 16), Throws.ArgumentException);
        Assert.That(() => siv.TryDecryptBatch(2, ad, records.AsSpan(2), 16, plain, out _), Throws.ArgumentException.With.Property("ParamName").EqualTo("records"));
        Assert.That(() => siv.TryDecryptBatch(2, ad, records, 16, plain.AsSpan(1), out _), Throws.ArgumentException.With.Property("ParamName").EqualTo("plaintext"));
    }

    [Test]
    public void OverlappingBuffers_AreRefused()
    {
        using var siv = new AesSiv(new byte[AesSiv.KeySize]);
        byte[] buffer = new byte[4096];
        var ad = buffer.AsSpan(0, 48).ToArray();
        Assert.That(() => siv.EncryptBatch(2, ad, buffer.AsSpan(0, 64), buffer.AsSpan(32, 128), 16),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("records"), "plaintext inside the records");
        Assert.That(() => siv.EncryptBatch(2, buffer.AsSpan(0, 48), new byte[64], buffer.AsSpan(40, 128), 16),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("records"), "associated data inside the records");
        Assert.That(() => siv.TryDecryptBatch(2, ad, buffer.AsSpan(0, 128), 16, buffer.AsSpan(100, 64), out _),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("plaintext"), "plaintext inside the records");
        Assert.That(() => siv.TryDecryptBatch(2, buffer.AsSpan(1000, 48), new byte[128], 16, buffer.AsSpan(1000, 64), out _),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("plaintext"), "plaintext over the associated data");
    }

    [Test]
    public void Disposed_Throws()
    {
        var siv = new AesSiv(new byte[AesSiv.KeySize]);
        siv.Dispose();
        Assert.That(() => siv.EncryptBatch(1, new byte[24], new byte[16], new byte[48], 16), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => siv.TryDecryptBatch(1, new byte[24], new byte[48], 16, new byte[16], out _), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void Batch_SteadyState_AllocatesNothing()
    {
        using var siv = new AesSiv(new byte[AesSiv.KeySize]);
        const int Count = 32;
        byte[] ad = new byte[Count * 24], plain = new byte[Count * 4096], records = new byte[Count * 4128], opened = new byte[Count * 4096];
        records.AsSpan().Fill(1);
        void Work()
        {
            siv.EncryptBatch(Count, ad, plain, records, 16);
            siv.TryDecryptBatch(Count, ad, records, 16, opened, out _);
        }

        Work();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            Work();
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
