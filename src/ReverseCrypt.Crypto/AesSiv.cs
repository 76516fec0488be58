// AES-SIV (RFC 5297, "Synthetic Initialization Vector Authenticated Encryption Using AES")
// with AES-256 (64-byte key: K1 = key[0:32] for S2V/CMAC, K2 = key[32:64] for CTR).
// gocryptfs uses it as an AEAD with the associated-data vector [AD, nonce]
// (docs/format.md 2.1; jacobsa/crypto siv, aperturerobotics/jacobsa-crypto).
// Also accepts 32- and 48-byte keys (AES-128-SIV / AES-192-SIV, same split in halves) so that the
// RFC 5297 appendix A vectors (AES-128) can be checked; gocryptfs only ever uses 64 bytes.
// Sizes: output = V (16) || C (len P). At most 126 associated-data strings (the usual RFC 5297 limit, as OpenSSL).
// The single-message path here is the reference; AesSiv.Batch.cs holds the interleaved AES-NI kernels.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace ReverseCrypt.Crypto;

/// <summary>AES-SIV-512 (RFC 5297) with a vector of associated-data strings. Thread-safe.</summary>
public sealed partial class AesSiv : IDisposable
{
    public const int KeySize = 64;
    public const int TagSize = 16;
    public const int MaxAssociatedDataCount = 126;

    private const int BlockSize = 16;
    private const int KeystreamChunk = 512;

    private readonly AesEngine _macCipher;   // K1
    private readonly AesEngine _ctrCipher;   // K2
    private readonly byte[] _macConstants;   // pinned: Ka (RFC 4493 K1), Kb (RFC 4493 K2), D0 = CMAC(K1, zero block)
    private bool _disposed;

    /// <param name="key">64 bytes (AES-256-SIV, as gocryptfs); 32 or 48 bytes select AES-128/192-SIV.</param>
    public AesSiv(ReadOnlySpan<byte> key)
        : this(key, allowHardware: true)
    {
    }

    internal AesSiv(ReadOnlySpan<byte> key, bool allowHardware)
    {
        if (key.Length is not (32 or 48 or KeySize))
        {
            throw new ArgumentException($"AES-SIV needs a {KeySize}-byte key (32 or 48 bytes for AES-128/192-SIV).", nameof(key));
        }

        int half = key.Length / 2;
        _macCipher = new AesEngine(key[..half], allowHardware);
        _ctrCipher = new AesEngine(key[half..], allowHardware);
        _macConstants = GC.AllocateArray<byte>(3 * BlockSize, pinned: true);

        var l = _macCipher.Encrypt(Vector128<byte>.Zero);
        var subkeyFull = Gf128.DoubleBigEndian(l);
        var subkeyPartial = Gf128.DoubleBigEndian(subkeyFull);
        subkeyFull.CopyTo(_macConstants.AsSpan(0, BlockSize));
        subkeyPartial.CopyTo(_macConstants.AsSpan(BlockSize, BlockSize));
        // D0 = CMAC(K1, 0^128): a single full block, so E(0 ^ Ka).
        _macCipher.Encrypt(subkeyFull).CopyTo(_macConstants.AsSpan(2 * BlockSize, BlockSize));
    }

    /// <summary>True when the AES-NI kernels are used.</summary>
    public bool IsHardwareAccelerated => _macCipher.IsHardware;

    private Vector128<byte> SubkeyFull => Vector128.Create((ReadOnlySpan<byte>)_macConstants.AsSpan(0, BlockSize));

    private Vector128<byte> SubkeyPartial => Vector128.Create((ReadOnlySpan<byte>)_macConstants.AsSpan(BlockSize, BlockSize));

    private Vector128<byte> InitialD => Vector128.Create((ReadOnlySpan<byte>)_macConstants.AsSpan(2 * BlockSize, BlockSize));

    /// <summary>output = V (16 bytes) || C; output.Length must be TagSize + plaintext.Length.</summary>
    public void Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> output, params ReadOnlySpan<byte[]> associatedData)
    {
        ThrowIfDisposed();
        CheckEncryptArguments(plaintext, output);
        if (associatedData.Length > MaxAssociatedDataCount)
        {
            throw new ArgumentException($"AES-SIV takes at most {MaxAssociatedDataCount} associated-data strings.", nameof(associatedData));
        }

        var d = InitialD;
        foreach (byte[] item in associatedData)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(associatedData));
            d = Absorb(d, item);
        }

        SealCore(d, plaintext, output);
    }

    /// <summary>input = V || C; plaintext.Length must be input.Length - TagSize. False on authentication failure
    /// (plaintext is then cleared).</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> input, Span<byte> plaintext, params ReadOnlySpan<byte[]> associatedData)
    {
        ThrowIfDisposed();
        CheckDecryptArguments(input, plaintext);
        if (associatedData.Length > MaxAssociatedDataCount)
        {
            throw new ArgumentException($"AES-SIV takes at most {MaxAssociatedDataCount} associated-data strings.", nameof(associatedData));
        }

        var v = Vector128.Create(input[..TagSize]);
        Ctr(v, input[TagSize..], plaintext);
        var d = InitialD;
        foreach (byte[] item in associatedData)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(associatedData));
            d = Absorb(d, item);
        }

        return Verify(v, Finish(d, plaintext), plaintext);
    }

    /// <summary>Fast path for exactly two associated-data strings (gocryptfs: [AD, nonce]).</summary>
    public void Encrypt(ReadOnlySpan<byte> ad1, ReadOnlySpan<byte> ad2, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        ThrowIfDisposed();
        CheckEncryptArguments(plaintext, output);
        SealCore(Absorb(Absorb(InitialD, ad1), ad2), plaintext, output);
    }

    /// <summary>Fast path for exactly two associated-data strings. False on authentication failure
    /// (plaintext is then cleared).</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> ad1, ReadOnlySpan<byte> ad2, ReadOnlySpan<byte> input, Span<byte> plaintext)
    {
        ThrowIfDisposed();
        CheckDecryptArguments(input, plaintext);
        var v = Vector128.Create(input[..TagSize]);
        Ctr(v, input[TagSize..], plaintext);
        var d = Absorb(Absorb(InitialD, ad1), ad2);
        return Verify(v, Finish(d, plaintext), plaintext);
    }

    private void SealCore(Vector128<byte> d, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        var v = Finish(d, plaintext);
        v.CopyTo(output);
        Ctr(v, plaintext, output[TagSize..]);
    }

    private static bool Verify(Vector128<byte> expected, Vector128<byte> computed, Span<byte> plaintext)
    {
        Span<byte> pair = stackalloc byte[2 * BlockSize];
        expected.CopyTo(pair);
        computed.CopyTo(pair[BlockSize..]);
        bool ok = CryptographicOperations.FixedTimeEquals(pair[..BlockSize], pair[BlockSize..]);
        if (!ok)
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        return ok;
    }

    /// <summary>S2V step for one associated-data string: D = dbl(D) xor CMAC(K1, s).</summary>
    private Vector128<byte> Absorb(Vector128<byte> d, ReadOnlySpan<byte> item)
    {
        Vector128<byte> mac;
        if (item.Length == 0)
        {
            mac = CmacFinish(Vector128<byte>.Zero, ReadOnlySpan<byte>.Empty);
        }
        else
        {
            int headLength = (item.Length - 1) / BlockSize * BlockSize;
            mac = CmacFinish(CmacAbsorb(Vector128<byte>.Zero, item[..headLength]), item[headLength..]);
        }

        return Gf128.DoubleBigEndian(d) ^ mac;
    }

    /// <summary>Last S2V step over the plaintext: V = CMAC(K1, P xorend D) or CMAC(K1, dbl(D) xor pad(P)).</summary>
    private Vector128<byte> Finish(Vector128<byte> d, ReadOnlySpan<byte> plaintext)
    {
        if (plaintext.Length < BlockSize)
        {
            Span<byte> padded = stackalloc byte[BlockSize];
            padded.Clear();
            plaintext.CopyTo(padded);
            padded[plaintext.Length] = 0x80;
            var t = Gf128.DoubleBigEndian(d) ^ Vector128.Create((ReadOnlySpan<byte>)padded);
            t.CopyTo(padded);
            return CmacFinish(Vector128<byte>.Zero, padded);
        }

        int headLength = (plaintext.Length - 1) / BlockSize * BlockSize;
        int lastLength = plaintext.Length - headLength;
        if (lastLength == BlockSize)
        {
            Span<byte> last = stackalloc byte[BlockSize];
            (Vector128.Create(plaintext[headLength..]) ^ d).CopyTo(last);
            return CmacFinish(CmacAbsorb(Vector128<byte>.Zero, plaintext[..headLength]), last);
        }

        // The 16 bytes that get D span the end of the last full block and the partial final block.
        Span<byte> tail = stackalloc byte[2 * BlockSize];
        plaintext[(headLength - BlockSize)..].CopyTo(tail);
        var end = tail.Slice(lastLength, BlockSize);
        (Vector128.Create((ReadOnlySpan<byte>)end) ^ d).CopyTo(end);
        var state = CmacAbsorb(Vector128<byte>.Zero, plaintext[..(headLength - BlockSize)]);
        state = CmacAbsorb(state, tail[..BlockSize]);
        return CmacFinish(state, tail.Slice(BlockSize, lastLength));
    }

    /// <summary>CBC-MAC over whole non-final blocks.</summary>
    private unsafe Vector128<byte> CmacAbsorb(Vector128<byte> state, ReadOnlySpan<byte> blocks)
    {
        if (_macCipher.IsHardware)
        {
            byte* keys = _macCipher.EncryptionKeys;
            int rounds = _macCipher.Rounds;
            for (int offset = 0; offset < blocks.Length; offset += BlockSize)
            {
                state = AesEngine.EncryptHardware(state ^ Vector128.Create(blocks.Slice(offset, BlockSize)), keys, rounds);
            }

            return state;
        }

        for (int offset = 0; offset < blocks.Length; offset += BlockSize)
        {
            state = _macCipher.Encrypt(state ^ Vector128.Create(blocks.Slice(offset, BlockSize)));
        }

        return state;
    }

    /// <summary>CMAC final block (RFC 4493 step 4): a full block xor Ka, else pad(last) xor Kb.</summary>
    private Vector128<byte> CmacFinish(Vector128<byte> state, ReadOnlySpan<byte> last)
    {
        Vector128<byte> final;
        if (last.Length == BlockSize)
        {
            final = Vector128.Create(last) ^ SubkeyFull;
        }
        else
        {
            Span<byte> padded = stackalloc byte[BlockSize];
            padded.Clear();
            last.CopyTo(padded);
            padded[last.Length] = 0x80;
            final = Vector128.Create((ReadOnlySpan<byte>)padded) ^ SubkeyPartial;
        }

        return _macCipher.Encrypt(state ^ final);
    }

    /// <summary>AES-CTR under K2 from Q = V with bits 63 and 31 cleared, 128-bit big-endian counter.</summary>
    private unsafe void Ctr(Vector128<byte> v, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (_ctrCipher.IsHardware && System.Runtime.Intrinsics.X86.Ssse3.IsSupported)
        {
            fixed (byte* source = input)
            fixed (byte* destination = output)
            {
                CtrHardware(_ctrCipher.EncryptionKeys, _ctrCipher.Rounds, v, source, destination, input.Length);
            }

            return;
        }

        var counter = ClearCounterBits(v);
        Span<byte> keystream = stackalloc byte[KeystreamChunk];
        for (int offset = 0; offset < input.Length; offset += KeystreamChunk)
        {
            int length = Math.Min(KeystreamChunk, input.Length - offset);
            int blocks = (length + BlockSize - 1) / BlockSize;
            var chunk = keystream[..(blocks * BlockSize)];
            for (int i = 0; i < blocks; i++)
            {
                counter.CopyTo(chunk.Slice(i * BlockSize, BlockSize));
                counter = Increment(counter);
            }

            _ctrCipher.EncryptEcb(chunk, chunk);
            Xor(input.Slice(offset, length), chunk, output.Slice(offset, length));
        }

        CryptographicOperations.ZeroMemory(keystream);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> ClearCounterBits(Vector128<byte> v)
        => v & Vector128.Create((byte)0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff);

    private static Vector128<byte> Increment(Vector128<byte> counter)
    {
        Span<byte> bytes = stackalloc byte[BlockSize];
        counter.CopyTo(bytes);
        for (int i = BlockSize - 1; i >= 0; i--)
        {
            bytes[i] = unchecked((byte)(bytes[i] + 1));
            if (bytes[i] != 0)
            {
                break;
            }
        }

        return Vector128.Create((ReadOnlySpan<byte>)bytes);
    }

    private static void Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        int i = 0;
        for (; i + BlockSize <= a.Length; i += BlockSize)
        {
            (Vector128.Create(a.Slice(i, BlockSize)) ^ Vector128.Create(b.Slice(i, BlockSize))).CopyTo(destination.Slice(i, BlockSize));
        }

        for (; i < a.Length; i++)
        {
            destination[i] = (byte)(a[i] ^ b[i]);
        }
    }

    private static void CheckEncryptArguments(ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        if (output.Length != checked(TagSize + plaintext.Length))
        {
            throw new ArgumentException("output must be exactly TagSize + plaintext.Length bytes.", nameof(output));
        }

        if (plaintext.Overlaps(output))
        {
            throw new ArgumentException("plaintext and output must not overlap.", nameof(output));
        }
    }

    private static void CheckDecryptArguments(ReadOnlySpan<byte> input, Span<byte> plaintext)
    {
        if (input.Length < TagSize)
        {
            throw new ArgumentException("input is shorter than the SIV tag.", nameof(input));
        }

        if (plaintext.Length != input.Length - TagSize)
        {
            throw new ArgumentException("plaintext must be exactly input.Length - TagSize bytes.", nameof(plaintext));
        }

        if (input.Overlaps(plaintext))
        {
            throw new ArgumentException("input and plaintext must not overlap.", nameof(plaintext));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _macCipher.Dispose();
        _ctrCipher.Dispose();
        CryptographicOperations.ZeroMemory(_macConstants);
    }
}
