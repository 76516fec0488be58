// Interleaved AES-NI kernels for AES-SIV over several independent messages (RFC 5297 sections 2.4, 2.5, 2.6).
// S2V is a CBC-MAC chain, so one message is bound by AES latency; running 8 messages' chains side by side fills
// the AES pipelines instead. CTR is parallel within a message and runs 8 blocks wide.
// Per message i: V_i = S2V(K1, ad1_i, ad2_i, P_i); output_i = V_i || P_i xor CTR(K2, V_i with bits 63/31 cleared).
// The S2V associated-data part uses the precomputed D0 = CMAC(K1, 0^128); the CMAC(ad1), CMAC(ad2) chains of
// the 8 messages are interleaved as well. The plaintext CMAC does not depend on D until its last block.
// Counter arithmetic: clearing bit 31 of Q guarantees the low 32-bit word never carries for messages shorter
// than 2^35 bytes (and spans are shorter than 2^31), so only that word is incremented.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ssse3 = System.Runtime.Intrinsics.X86.Ssse3;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace ReverseCrypt.Crypto;

public sealed partial class AesSiv
{
    /// <summary>Messages whose S2V chains run interleaved.</summary>
    internal const int Lanes = 8;

    /// <summary>
    /// Encrypts <paramref name="count"/> messages of equal length into nonce-prefixed records, the layout of gocryptfs
    /// content blocks: record i = N_i || V_i || C_i, at i * (<paramref name="nonceLength"/> + 16 + message length) in
    /// <paramref name="records"/>. N_i, the first nonceLength bytes of record i, is written by the caller and is the
    /// second associated-data string of message i; the first is item i of <paramref name="associatedData"/> (count
    /// items of equal length). Message i is item i of <paramref name="plaintext"/> (count items of equal length).
    /// Per message the same as <see cref="Encrypt(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>
    /// with [item i, N_i]; several messages run interleaved. Allocation-free.
    /// </summary>
    public unsafe void EncryptBatch(int count, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> records,
        int nonceLength)
    {
        ThrowIfDisposed();
        var shape = CheckBatchArguments(count, associatedData.Length, plaintext.Length, records.Length, nonceLength, nameof(plaintext));
        if (records.Overlaps(plaintext) || records.Overlaps(associatedData))
        {
            throw new ArgumentException("records must not overlap plaintext or associatedData.", nameof(records));
        }

        if (count == 0)
        {
            return;
        }

        fixed (byte* ad = associatedData)
        fixed (byte* plain = plaintext)
        fixed (byte* output = records)
        {
            EncryptBatch(count, shape.MessageLength, ad, shape.AssociatedDataLength, shape.AssociatedDataLength,
                output, shape.RecordLength, nonceLength, plain, shape.MessageLength, output + nonceLength, shape.RecordLength);
        }
    }

    /// <summary>
    /// Decrypts <paramref name="count"/> nonce-prefixed records laid out as for
    /// <see cref="EncryptBatch(int, ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, int)"/> into
    /// <paramref name="plaintext"/> (count items of equal length, message i = item i). Returns false with the index of
    /// the first record that fails authentication (its plaintext, and that of any later failing one, is cleared);
    /// <paramref name="firstBad"/> = -1 on success. Allocation-free.
    /// </summary>
    public unsafe bool TryDecryptBatch(int count, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> records, int nonceLength,
        Span<byte> plaintext, out int firstBad)
    {
        ThrowIfDisposed();
        var shape = CheckBatchArguments(count, associatedData.Length, plaintext.Length, records.Length, nonceLength, nameof(plaintext));
        if (plaintext.Overlaps(records) || plaintext.Overlaps(associatedData))
        {
            throw new ArgumentException("plaintext must not overlap records or associatedData.", nameof(plaintext));
        }

        firstBad = -1;
        if (count == 0)
        {
            return true;
        }

        fixed (byte* ad = associatedData)
        fixed (byte* input = records)
        fixed (byte* plain = plaintext)
        {
            return TryDecryptBatch(count, shape.MessageLength, ad, shape.AssociatedDataLength, shape.AssociatedDataLength,
                input, shape.RecordLength, nonceLength, input + nonceLength, shape.RecordLength, plain, shape.MessageLength, out firstBad);
        }
    }

    /// <summary>Checks the lengths of a record batch; returns the message, associated-data item and record lengths.</summary>
    private static (int MessageLength, int AssociatedDataLength, int RecordLength) CheckBatchArguments(int count, int associatedData,
        int plaintext, int records, int nonceLength, string plaintextName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(nonceLength);
        if (count == 0)
        {
            if (associatedData != 0 || plaintext != 0 || records != 0)
            {
                throw new ArgumentException("An empty batch takes empty buffers.", nameof(count));
            }

            return (0, 0, 0);
        }

        if (associatedData % count != 0)
        {
            throw new ArgumentException("associatedData must hold count items of equal length.", nameof(associatedData));
        }

        if (plaintext % count != 0)
        {
            throw new ArgumentException("plaintext must hold count messages of equal length.", plaintextName);
        }

        int messageLength = plaintext / count;
        long recordLength = (long)nonceLength + TagSize + messageLength;
        if (records != recordLength * count)
        {
            throw new ArgumentException("records must be count * (nonceLength + 16 + message length) bytes.", nameof(records));
        }

        return (messageLength, associatedData / count, (int)recordLength);
    }

    /// <summary>
    /// Encrypts count messages of messageLength bytes each, message i with the associated-data vector
    /// [ad1_i, ad2_i]; item i of a strided buffer starts at base + i * stride. Output i = V_i || C_i
    /// (16 + messageLength bytes) at output + i * outputStride. The caller guarantees the buffers are valid,
    /// that outputs do not overlap inputs or each other. Allocation-free.
    /// </summary>
    internal unsafe void EncryptBatch(int count, int messageLength,
        byte* ad1, int ad1Stride, int ad1Length, byte* ad2, int ad2Stride, int ad2Length,
        byte* plaintext, int plaintextStride, byte* output, int outputStride)
    {
        ThrowIfDisposed();
        if (!CanBatch(messageLength, ad1Length, ad2Length))
        {
            for (int i = 0; i < count; i++)
            {
                Encrypt(new ReadOnlySpan<byte>(ad1 + (nint)i * ad1Stride, ad1Length), new ReadOnlySpan<byte>(ad2 + (nint)i * ad2Stride, ad2Length),
                    new ReadOnlySpan<byte>(plaintext + (nint)i * plaintextStride, messageLength),
                    new Span<byte>(output + (nint)i * outputStride, TagSize + messageLength));
            }

            return;
        }

        unchecked
        {
            Vector128<byte>* tags = stackalloc Vector128<byte>[Lanes];
            for (int first = 0; first < count; first += Lanes)
            {
                int lanes = Math.Min(Lanes, count - first);
                if (lanes == 1)
                {
                    // A lone message: the plain single chain is as fast as a kernel with 7 idle lanes.
                    Encrypt(new ReadOnlySpan<byte>(ad1 + (nint)first * ad1Stride, ad1Length), new ReadOnlySpan<byte>(ad2 + (nint)first * ad2Stride, ad2Length),
                        new ReadOnlySpan<byte>(plaintext + (nint)first * plaintextStride, messageLength),
                        new Span<byte>(output + (nint)first * outputStride, TagSize + messageLength));
                    break;
                }

                S2VLanes(lanes, messageLength,
                    ad1 + (nint)first * ad1Stride, ad1Stride, ad1Length, ad2 + (nint)first * ad2Stride, ad2Stride, ad2Length,
                    plaintext + (nint)first * plaintextStride, plaintextStride, tags);
                for (int lane = 0; lane < lanes; lane++)
                {
                    byte* laneOutput = output + (nint)(first + lane) * outputStride;
                    tags[lane].Store(laneOutput);
                    CtrHardware(_ctrCipher.EncryptionKeys, _ctrCipher.Rounds, tags[lane],
                        plaintext + (nint)(first + lane) * plaintextStride, laneOutput + TagSize, messageLength);
                }
            }
        }
    }

    /// <summary>
    /// Decrypts count messages laid out as for <see cref="EncryptBatch"/> (input i = V_i || C_i at
    /// input + i * inputStride, plaintext i at plaintext + i * plaintextStride). Returns false with the index of
    /// the first message that fails authentication (its plaintext, and that of any later failing one, is
    /// cleared); firstBad = -1 on success. Allocation-free.
    /// </summary>
    internal unsafe bool TryDecryptBatch(int count, int messageLength,
        byte* ad1, int ad1Stride, int ad1Length, byte* ad2, int ad2Stride, int ad2Length,
        byte* input, int inputStride, byte* plaintext, int plaintextStride, out int firstBad)
    {
        ThrowIfDisposed();
        firstBad = -1;
        if (!CanBatch(messageLength, ad1Length, ad2Length))
        {
            for (int i = 0; i < count; i++)
            {
                bool ok = TryDecrypt(new ReadOnlySpan<byte>(ad1 + (nint)i * ad1Stride, ad1Length), new ReadOnlySpan<byte>(ad2 + (nint)i * ad2Stride, ad2Length),
                    new ReadOnlySpan<byte>(input + (nint)i * inputStride, TagSize + messageLength),
                    new Span<byte>(plaintext + (nint)i * plaintextStride, messageLength));
                if (!ok && firstBad < 0)
                {
                    firstBad = i;
                }
            }

            return firstBad < 0;
        }

        unchecked
        {
            Vector128<byte>* tags = stackalloc Vector128<byte>[Lanes];
            for (int first = 0; first < count; first += Lanes)
            {
                int lanes = Math.Min(Lanes, count - first);
                if (lanes == 1)
                {
                    bool ok = TryDecrypt(new ReadOnlySpan<byte>(ad1 + (nint)first * ad1Stride, ad1Length), new ReadOnlySpan<byte>(ad2 + (nint)first * ad2Stride, ad2Length),
                        new ReadOnlySpan<byte>(input + (nint)first * inputStride, TagSize + messageLength),
                        new Span<byte>(plaintext + (nint)first * plaintextStride, messageLength));
                    if (!ok && firstBad < 0)
                    {
                        firstBad = first;
                    }

                    break;
                }

                for (int lane = 0; lane < lanes; lane++)
                {
                    byte* laneInput = input + (nint)(first + lane) * inputStride;
                    CtrHardware(_ctrCipher.EncryptionKeys, _ctrCipher.Rounds, Vector128.Load(laneInput),
                        laneInput + TagSize, plaintext + (nint)(first + lane) * plaintextStride, messageLength);
                }

                S2VLanes(lanes, messageLength,
                    ad1 + (nint)first * ad1Stride, ad1Stride, ad1Length, ad2 + (nint)first * ad2Stride, ad2Stride, ad2Length,
                    plaintext + (nint)first * plaintextStride, plaintextStride, tags);
                for (int lane = 0; lane < lanes; lane++)
                {
                    var expected = Vector128.Load(input + (nint)(first + lane) * inputStride);
                    if (!TagsEqual(expected, tags[lane]))
                    {
                        CryptographicOperations.ZeroMemory(new Span<byte>(plaintext + (nint)(first + lane) * plaintextStride, messageLength));
                        if (firstBad < 0)
                        {
                            firstBad = first + lane;
                        }
                    }
                }
            }
        }

        return firstBad < 0;
    }

    private bool CanBatch(int messageLength, int ad1Length, int ad2Length)
        => _macCipher.IsHardware && Ssse3.IsSupported && messageLength >= BlockSize && messageLength % BlockSize == 0
           && ad1Length <= 4 * BlockSize && ad2Length <= 4 * BlockSize;

    /// <summary>Constant-time comparison of two tags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TagsEqual(Vector128<byte> a, Vector128<byte> b) => (a ^ b) == Vector128<byte>.Zero;

    /// <summary>V for up to 8 messages (missing lanes repeat lane 0 and are ignored): the three S2V chains per
    /// message (ad1, ad2, plaintext) with the 8 messages' chains interleaved.</summary>
    private unsafe void S2VLanes(int lanes, int messageLength,
        byte* ad1, int ad1Stride, int ad1Length, byte* ad2, int ad2Stride, int ad2Length,
        byte* plaintext, int plaintextStride, Vector128<byte>* tags)
    {
        unchecked
        {
            byte* keys = _macCipher.EncryptionKeys;
            int rounds = _macCipher.Rounds;
            var subkeyFull = SubkeyFull;
            var subkeyPartial = SubkeyPartial;
            Vector128<byte>* state = stackalloc Vector128<byte>[Lanes];
            Vector128<byte>* d = stackalloc Vector128<byte>[Lanes];
            Vector128<byte>* final = stackalloc Vector128<byte>[Lanes];
            byte** pointers = stackalloc byte*[Lanes];

            // D = dbl(dbl(D0) xor CMAC(ad1)) xor CMAC(ad2)
            var d1 = Gf128.DoubleBigEndian(InitialD);
            SetLanes(pointers, lanes, ad1, ad1Stride);
            CmacLanes(keys, rounds, pointers, ad1Length, subkeyFull, subkeyPartial, state, final);
            for (int lane = 0; lane < Lanes; lane++)
            {
                d[lane] = Gf128.DoubleBigEndian(d1 ^ state[lane]);
            }

            SetLanes(pointers, lanes, ad2, ad2Stride);
            CmacLanes(keys, rounds, pointers, ad2Length, subkeyFull, subkeyPartial, state, final);
            for (int lane = 0; lane < Lanes; lane++)
            {
                d[lane] ^= state[lane];
            }

            // V = CMAC(K1, P xorend D); P is whole blocks here, so only its last block gets D (and Ka).
            SetLanes(pointers, lanes, plaintext, plaintextStride);
            int headLength = messageLength - BlockSize;
            for (int lane = 0; lane < Lanes; lane++)
            {
                state[lane] = Vector128<byte>.Zero;
                final[lane] = Vector128.Load(pointers[lane] + headLength) ^ d[lane] ^ subkeyFull;
            }

            CbcMac8(keys, rounds, pointers, headLength / BlockSize, state);
            FinalBlock8(keys, rounds, state, final);
            for (int lane = 0; lane < Lanes; lane++)
            {
                tags[lane] = state[lane];
            }

            CryptographicOperations.ZeroMemory(new Span<byte>(state, Lanes * BlockSize));
            CryptographicOperations.ZeroMemory(new Span<byte>(d, Lanes * BlockSize));
            CryptographicOperations.ZeroMemory(new Span<byte>(final, Lanes * BlockSize));
        }
    }

    private static unsafe void SetLanes(byte** pointers, int lanes, byte* first, int stride)
    {
        unchecked
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                pointers[lane] = first + (nint)(lane < lanes ? lane : 0) * stride;
            }
        }
    }

    /// <summary>CMAC(K1, m_lane) for 8 messages of equal length (at most 4 blocks: associated data).</summary>
    private static unsafe void CmacLanes(byte* keys, int rounds, byte** messages, int length,
        Vector128<byte> subkeyFull, Vector128<byte> subkeyPartial, Vector128<byte>* state, Vector128<byte>* final)
    {
        unchecked
        {
            int headLength = length == 0 ? 0 : (length - 1) / BlockSize * BlockSize;
            int lastLength = length - headLength;
            byte* padded = stackalloc byte[BlockSize];
            for (int lane = 0; lane < Lanes; lane++)
            {
                state[lane] = Vector128<byte>.Zero;
                if (lastLength == BlockSize)
                {
                    final[lane] = Vector128.Load(messages[lane] + headLength) ^ subkeyFull;
                }
                else
                {
                    var buffer = new Span<byte>(padded, BlockSize);
                    buffer.Clear();
                    new ReadOnlySpan<byte>(messages[lane] + headLength, lastLength).CopyTo(buffer);
                    buffer[lastLength] = 0x80;
                    final[lane] = Vector128.Load(padded) ^ subkeyPartial;
                }
            }

            CbcMac8(keys, rounds, messages, headLength / BlockSize, state);
            FinalBlock8(keys, rounds, state, final);
        }
    }

    /// <summary>state[lane] = E(state[lane] xor final[lane]) for the 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void FinalBlock8(byte* keys, int rounds, Vector128<byte>* state, Vector128<byte>* final)
    {
        for (int lane = 0; lane < Lanes; lane++)
        {
            state[lane] ^= final[lane];
        }

        Encrypt8(keys, rounds, state);
    }

    /// <summary>The 8 CBC-MAC chains: state[lane] = E(state[lane] xor block_j) over blocks j of each message.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CbcMac8(byte* keys, int rounds, byte** messages, int blocks, Vector128<byte>* state)
    {
        unchecked
        {
            byte* p0 = messages[0], p1 = messages[1], p2 = messages[2], p3 = messages[3];
            byte* p4 = messages[4], p5 = messages[5], p6 = messages[6], p7 = messages[7];
            Vector128<byte> s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
            Vector128<byte> s4 = state[4], s5 = state[5], s6 = state[6], s7 = state[7];
            var k0 = Vector128.Load(keys);
            var kLast = Vector128.Load(keys + rounds * BlockSize);
            nint end = (nint)blocks * BlockSize;
            for (nint offset = 0; offset < end; offset += BlockSize)
            {
                s0 ^= Vector128.Load(p0 + offset) ^ k0;
                s1 ^= Vector128.Load(p1 + offset) ^ k0;
                s2 ^= Vector128.Load(p2 + offset) ^ k0;
                s3 ^= Vector128.Load(p3 + offset) ^ k0;
                s4 ^= Vector128.Load(p4 + offset) ^ k0;
                s5 ^= Vector128.Load(p5 + offset) ^ k0;
                s6 ^= Vector128.Load(p6 + offset) ^ k0;
                s7 ^= Vector128.Load(p7 + offset) ^ k0;
                byte* roundKey = keys + BlockSize;
                byte* lastKey = keys + rounds * BlockSize;
                for (; roundKey < lastKey; roundKey += BlockSize)
                {
                    var k = Vector128.Load(roundKey);
                    s0 = X86Aes.Encrypt(s0, k);
                    s1 = X86Aes.Encrypt(s1, k);
                    s2 = X86Aes.Encrypt(s2, k);
                    s3 = X86Aes.Encrypt(s3, k);
                    s4 = X86Aes.Encrypt(s4, k);
                    s5 = X86Aes.Encrypt(s5, k);
                    s6 = X86Aes.Encrypt(s6, k);
                    s7 = X86Aes.Encrypt(s7, k);
                }

                s0 = X86Aes.EncryptLast(s0, kLast);
                s1 = X86Aes.EncryptLast(s1, kLast);
                s2 = X86Aes.EncryptLast(s2, kLast);
                s3 = X86Aes.EncryptLast(s3, kLast);
                s4 = X86Aes.EncryptLast(s4, kLast);
                s5 = X86Aes.EncryptLast(s5, kLast);
                s6 = X86Aes.EncryptLast(s6, kLast);
                s7 = X86Aes.EncryptLast(s7, kLast);
            }

            state[0] = s0; state[1] = s1; state[2] = s2; state[3] = s3;
            state[4] = s4; state[5] = s5; state[6] = s6; state[7] = s7;
        }
    }

    /// <summary>Encrypts the 8 blocks at state in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Encrypt8(byte* keys, int rounds, Vector128<byte>* blocks)
    {
        unchecked
        {
            var k0 = Vector128.Load(keys);
            Vector128<byte> s0 = blocks[0] ^ k0, s1 = blocks[1] ^ k0, s2 = blocks[2] ^ k0, s3 = blocks[3] ^ k0;
            Vector128<byte> s4 = blocks[4] ^ k0, s5 = blocks[5] ^ k0, s6 = blocks[6] ^ k0, s7 = blocks[7] ^ k0;
            byte* lastKey = keys + rounds * BlockSize;
            for (byte* roundKey = keys + BlockSize; roundKey < lastKey; roundKey += BlockSize)
            {
                var k = Vector128.Load(roundKey);
                s0 = X86Aes.Encrypt(s0, k);
                s1 = X86Aes.Encrypt(s1, k);
                s2 = X86Aes.Encrypt(s2, k);
                s3 = X86Aes.Encrypt(s3, k);
                s4 = X86Aes.Encrypt(s4, k);
                s5 = X86Aes.Encrypt(s5, k);
                s6 = X86Aes.Encrypt(s6, k);
                s7 = X86Aes.Encrypt(s7, k);
            }

            var kLast = Vector128.Load(lastKey);
            blocks[0] = X86Aes.EncryptLast(s0, kLast);
            blocks[1] = X86Aes.EncryptLast(s1, kLast);
            blocks[2] = X86Aes.EncryptLast(s2, kLast);
            blocks[3] = X86Aes.EncryptLast(s3, kLast);
            blocks[4] = X86Aes.EncryptLast(s4, kLast);
            blocks[5] = X86Aes.EncryptLast(s5, kLast);
            blocks[6] = X86Aes.EncryptLast(s6, kLast);
            blocks[7] = X86Aes.EncryptLast(s7, kLast);
        }
    }

    /// <summary>output = input xor AES-CTR(keys, Q = V with bits 63 and 31 cleared), 8 blocks at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void CtrHardware(byte* keys, int rounds, Vector128<byte> v, byte* input, byte* output, int length)
    {
        unchecked
        {
            // Work on the counter with its last 32-bit word byte-swapped to a native integer, swap back per block.
            var swapLastWord = Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 14, 13, 12);
            var counter = Ssse3.Shuffle(ClearCounterBits(v), swapLastWord).AsUInt32();
            var one = Vector128.Create(0u, 0u, 0u, 1u);
            var eight = Vector128.Create(0u, 0u, 0u, 8u);
            var k0 = Vector128.Load(keys);
            byte* lastKey = keys + rounds * BlockSize;
            var kLast = Vector128.Load(lastKey);
            byte* tail = stackalloc byte[BlockSize];
            nint offset = 0;
            for (; offset + 8 * BlockSize <= length; offset += 8 * BlockSize)
            {
                var s0 = Ssse3.Shuffle(counter.AsByte(), swapLastWord) ^ k0;
                var s1 = Ssse3.Shuffle((counter + one).AsByte(), swapLastWord) ^ k0;
                var s2 = Ssse3.Shuffle((counter + one + one).AsByte(), swapLastWord) ^ k0;
                var s3 = Ssse3.Shuffle((counter + Vector128.Create(0u, 0u, 0u, 3u)).AsByte(), swapLastWord) ^ k0;
                var s4 = Ssse3.Shuffle((counter + Vector128.Create(0u, 0u, 0u, 4u)).AsByte(), swapLastWord) ^ k0;
                var s5 = Ssse3.Shuffle((counter + Vector128.Create(0u, 0u, 0u, 5u)).AsByte(), swapLastWord) ^ k0;
                var s6 = Ssse3.Shuffle((counter + Vector128.Create(0u, 0u, 0u, 6u)).AsByte(), swapLastWord) ^ k0;
                var s7 = Ssse3.Shuffle((counter + Vector128.Create(0u, 0u, 0u, 7u)).AsByte(), swapLastWord) ^ k0;
                counter += eight;
                for (byte* roundKey = keys + BlockSize; roundKey < lastKey; roundKey += BlockSize)
                {
                    var k = Vector128.Load(roundKey);
                    s0 = X86Aes.Encrypt(s0, k);
                    s1 = X86Aes.Encrypt(s1, k);
                    s2 = X86Aes.Encrypt(s2, k);
                    s3 = X86Aes.Encrypt(s3, k);
                    s4 = X86Aes.Encrypt(s4, k);
                    s5 = X86Aes.Encrypt(s5, k);
                    s6 = X86Aes.Encrypt(s6, k);
                    s7 = X86Aes.Encrypt(s7, k);
                }

                byte* source = input + offset;
                byte* destination = output + offset;
                (X86Aes.EncryptLast(s0, kLast) ^ Vector128.Load(source)).Store(destination);
                (X86Aes.EncryptLast(s1, kLast) ^ Vector128.Load(source + 16)).Store(destination + 16);
                (X86Aes.EncryptLast(s2, kLast) ^ Vector128.Load(source + 32)).Store(destination + 32);
                (X86Aes.EncryptLast(s3, kLast) ^ Vector128.Load(source + 48)).Store(destination + 48);
                (X86Aes.EncryptLast(s4, kLast) ^ Vector128.Load(source + 64)).Store(destination + 64);
                (X86Aes.EncryptLast(s5, kLast) ^ Vector128.Load(source + 80)).Store(destination + 80);
                (X86Aes.EncryptLast(s6, kLast) ^ Vector128.Load(source + 96)).Store(destination + 96);
                (X86Aes.EncryptLast(s7, kLast) ^ Vector128.Load(source + 112)).Store(destination + 112);
            }

            for (; offset < length; offset += BlockSize)
            {
                var keystream = AesEngine.EncryptHardware(Ssse3.Shuffle(counter.AsByte(), swapLastWord), keys, rounds);
                counter += one;
                nint remaining = length - offset;
                if (remaining >= BlockSize)
                {
                    (keystream ^ Vector128.Load(input + offset)).Store(output + offset);
                }
                else
                {
                    keystream.Store(tail);
                    for (nint i = 0; i < remaining; i++)
                    {
                        output[offset + i] = (byte)(input[offset + i] ^ tail[i]);
                    }

                    new Span<byte>(tail, BlockSize).Clear();
                }
            }
        }
    }
}
