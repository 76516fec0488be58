namespace ReverseCrypt.Crypto.Tests;

/// <summary>The interleaved kernels (AesSiv.Batch.cs) against the single-message reference path.</summary>
public unsafe class AesSivBatchTests
{
    [Test]
    public void EncryptBatch_VariousShapes_EqualsSingleMessageFallback(
        [Values(1, 3, 8, 9, 17)] int count,
        [Values(16, 48, 4096, 100)] int messageLength,
        [Values(0, 15, 24, 33)] int ad1Length)
    {
        var random = new Random(count * 1000 + messageLength + ad1Length);
        byte[] key = new byte[64];
        random.NextBytes(key);
        using var siv = new AesSiv(key);
        using var reference = new AesSiv(key, allowHardware: false);
        const int ad2Length = 16;
        int ad1Stride = ad1Length + 3, ad2Stride = 21, plainStride = messageLength + 5, outputStride = messageLength + 16 + 7;
        byte[] ad1 = new byte[count * ad1Stride], ad2 = new byte[count * ad2Stride], plain = new byte[count * plainStride];
        random.NextBytes(ad1);
        random.NextBytes(ad2);
        random.NextBytes(plain);
        byte[] output = new byte[count * outputStride];
        random.NextBytes(output); // the gaps between outputs must stay untouched
        byte[] before = (byte[])output.Clone();

        fixed (byte* a1 = ad1, a2 = ad2, p = plain, o = output)
        {
            siv.EncryptBatch(count, messageLength, a1, ad1Stride, ad1Length, a2, ad2Stride, ad2Length, p, plainStride, o, outputStride);
        }

        for (int i = 0; i < count; i++)
        {
            byte[] expected = new byte[16 + messageLength];
            reference.Encrypt(ad1.AsSpan(i * ad1Stride, ad1Length), ad2.AsSpan(i * ad2Stride, ad2Length), plain.AsSpan(i * plainStride, messageLength), expected);
            Assert.That(output.AsSpan(i * outputStride, 16 + messageLength).ToArray(), Is.EqualTo(expected), $"message {i}");
            Assert.That(output.AsSpan(i * outputStride + 16 + messageLength, 7).SequenceEqual(before.AsSpan(i * outputStride + 16 + messageLength, 7)), Is.True, "gap written");
        }

        byte[] decrypted = new byte[count * plainStride];
        int firstBad;
        bool ok;
        fixed (byte* a1 = ad1, a2 = ad2, o = output, d = decrypted)
        {
            ok = siv.TryDecryptBatch(count, messageLength, a1, ad1Stride, ad1Length, a2, ad2Stride, ad2Length, o, outputStride, d, plainStride, out firstBad);
        }

        Assert.That(ok, Is.True);
        Assert.That(firstBad, Is.EqualTo(-1));
        for (int i = 0; i < count; i++)
        {
            Assert.That(decrypted.AsSpan(i * plainStride, messageLength).SequenceEqual(plain.AsSpan(i * plainStride, messageLength)), Is.True, $"message {i}");
        }

        int victim = random.Next(count);
        output[victim * outputStride + random.Next(16 + messageLength)] ^= 0x40;
        int second = (victim + 5) % count;
        if (second != victim)
        {
            ad1[second * ad1Stride + ad1Length] ^= 1; // outside ad1 item: must not matter
        }

        fixed (byte* a1 = ad1, a2 = ad2, o = output, d = decrypted)
        {
            ok = siv.TryDecryptBatch(count, messageLength, a1, ad1Stride, ad1Length, a2, ad2Stride, ad2Length, o, outputStride, d, plainStride, out firstBad);
        }

        Assert.That(ok, Is.False);
        Assert.That(firstBad, Is.EqualTo(victim));
        Assert.That(decrypted.AsSpan(victim * plainStride, messageLength).ContainsAnyExcept((byte)0), Is.False, "failed message cleared");
    }

    [Test]
    public void Encrypt_SteadyState_AllocatesNothing()
    {
        using var siv = new AesSiv(new byte[64]);
        using var eme = new Eme(new byte[32]);
        byte[] ad = new byte[24], nonce = new byte[16], plain = new byte[4096], sealedBytes = new byte[4112], opened = new byte[4096];
        byte[] tweak = new byte[16], name = new byte[64];
        void Work()
        {
            siv.Encrypt(ad, nonce, plain.AsSpan(), sealedBytes);
            siv.TryDecrypt(ad, nonce, sealedBytes.AsSpan(), opened);
            siv.Encrypt(plain, sealedBytes, [ad, nonce]);
            siv.TryDecrypt(sealedBytes, opened, [ad, nonce]);
            eme.Encrypt(tweak, name, name);
            eme.Decrypt(tweak, name, name);
        }

        Work();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Work();
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [TestCase("00000000000000000000000000000000")]
    [TestCase("0123456789abcdef01234567fffffff0")] // bit 31 cleared -> 7ffffff0: the low word passes 7fffffff
    [TestCase("ffffffffffffffffffffffffffffffff")] // -> ffffffff ffffffff 7fffffff 7fffffff
    [TestCase("000000000000000000000000ffffff00")]
    public void CtrHardware_CounterNearWordBoundaries_EqualsFull128BitIncrement(string vHex)
    {
        if (!System.Runtime.Intrinsics.X86.Aes.IsSupported)
        {
            Assert.Ignore("no AES-NI on this machine");
        }

        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        using var aes = new AesEngine(key);
        byte[] v = Convert.FromHexString(vHex);
        byte[] input = new byte[4096 + 24];
        new Random(4).NextBytes(input);
        byte[] output = new byte[input.Length];
        fixed (byte* source = input, destination = output)
        {
            AesSiv.CtrHardware(aes.EncryptionKeys, aes.Rounds, System.Runtime.Intrinsics.Vector128.Create(v), source, destination, input.Length);
        }

        // Reference: Q = V with bits 63 and 31 cleared, counter blocks Q, Q+1, ... (128-bit big-endian), ECB.
        byte[] counter = (byte[])v.Clone();
        counter[8] &= 0x7f;
        counter[12] &= 0x7f;
        byte[] keystream = new byte[(input.Length + 15) / 16 * 16];
        for (int block = 0; block < keystream.Length / 16; block++)
        {
            counter.CopyTo(keystream, block * 16);
            var value = System.Numerics.BigInteger.Parse("0" + Convert.ToHexString(counter), System.Globalization.NumberStyles.HexNumber) + 1;
            string hex = value.ToString("x33")[^32..];
            counter = Convert.FromHexString(hex);
        }

        aes.EncryptEcb(keystream, keystream);
        byte[] expected = input.Select((b, i) => (byte)(b ^ keystream[i])).ToArray();
        Assert.That(output, Is.EqualTo(expected));
    }
}
