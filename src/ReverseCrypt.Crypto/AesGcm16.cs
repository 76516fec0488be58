// AES-GCM (NIST SP 800-38D) accepting any nonce length, in particular the 128-bit nonce gocryptfs
// uses to wrap the master key in its config file (docs/format.md 2.3): J0 = GHASH(nonce || pad || 0^64 || BE64(bits)).
// A 12-byte nonce gives the standard J0 = nonce || 0^31 || 1 (legacy configs; equals .NET's AesGcm).
// Key 32 bytes in gocryptfs (16/24 accepted for the published test vectors); tag 16 bytes.
// Config-file use only (not a hot path): bitwise constant-time GHASH, no PCLMULQDQ.
using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace ReverseCrypt.Crypto;

/// <summary>AES-GCM with arbitrary nonce length and a 16-byte tag. Config-file use only (not a hot path).</summary>
public static class AesGcm16
{
    public const int TagSize = 16;
    public const int NonceSize = 16;

    private const int BlockSize = 16;

    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext,
        ReadOnlySpan<byte> associatedData, Span<byte> ciphertext, Span<byte> tag)
    {
        CheckArguments(nonce, plaintext.Length, ciphertext.Length, tag.Length);
        if (plaintext.Overlaps(ciphertext, out int offset) && offset != 0)
        {
            throw new ArgumentException("plaintext and ciphertext must not overlap (in-place is allowed).", nameof(ciphertext));
        }

        using var cipher = new AesEngine(key);
        var h = cipher.Encrypt(Vector128<byte>.Zero);
        var j0 = PreCounterBlock(h, nonce);
        Ctr(cipher, j0, plaintext, ciphertext);
        var s = Ghash(h, associatedData, ciphertext);
        (cipher.Encrypt(j0) ^ s).CopyTo(tag);
    }

    /// <summary>False when the tag does not verify (wrong key, e.g. a wrong password); plaintext is then untouched.</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext,
        ReadOnlySpan<byte> tag, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        CheckArguments(nonce, plaintext.Length, ciphertext.Length, tag.Length);
        if (ciphertext.Overlaps(plaintext, out int offset) && offset != 0)
        {
            throw new ArgumentException("ciphertext and plaintext must not overlap (in-place is allowed).", nameof(plaintext));
        }

        using var cipher = new AesEngine(key);
        var h = cipher.Encrypt(Vector128<byte>.Zero);
        var j0 = PreCounterBlock(h, nonce);
        var s = Ghash(h, associatedData, ciphertext);
        Span<byte> expected = stackalloc byte[TagSize];
        (cipher.Encrypt(j0) ^ s).CopyTo(expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, tag))
        {
            return false;
        }

        Ctr(cipher, j0, ciphertext, plaintext);
        return true;
    }

    private static void CheckArguments(ReadOnlySpan<byte> nonce, int plaintextLength, int ciphertextLength, int tagLength)
    {
        if (nonce.Length == 0)
        {
            throw new ArgumentException("GCM needs a non-empty nonce.", nameof(nonce));
        }

        if (plaintextLength != ciphertextLength)
        {
            throw new ArgumentException("plaintext and ciphertext must have the same length.");
        }

        if (tagLength != TagSize)
        {
            throw new ArgumentException($"The GCM tag is {TagSize} bytes.", nameof(tagLength));
        }
    }

    /// <summary>SP 800-38D section 7.1 step 2.</summary>
    private static Vector128<byte> PreCounterBlock(Vector128<byte> h, ReadOnlySpan<byte> nonce)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        if (nonce.Length == 12)
        {
            nonce.CopyTo(block);
            BinaryPrimitives.WriteUInt32BigEndian(block[12..], 1);
            return Vector128.Create((ReadOnlySpan<byte>)block);
        }

        var y = GhashBlocks(h, Vector128<byte>.Zero, nonce);
        block.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(block[8..], checked((ulong)nonce.Length * 8));
        return Gf128.GcmMultiply(y ^ Vector128.Create((ReadOnlySpan<byte>)block), h);
    }

    /// <summary>GHASH(A || pad || C || pad || BE64(len A bits) || BE64(len C bits)).</summary>
    private static Vector128<byte> Ghash(Vector128<byte> h, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext)
    {
        var y = GhashBlocks(h, Vector128<byte>.Zero, associatedData);
        y = GhashBlocks(h, y, ciphertext);
        Span<byte> lengths = stackalloc byte[BlockSize];
        BinaryPrimitives.WriteUInt64BigEndian(lengths, checked((ulong)associatedData.Length * 8));
        BinaryPrimitives.WriteUInt64BigEndian(lengths[8..], checked((ulong)ciphertext.Length * 8));
        return Gf128.GcmMultiply(y ^ Vector128.Create((ReadOnlySpan<byte>)lengths), h);
    }

    /// <summary>Absorbs data zero-padded to whole blocks.</summary>
    private static Vector128<byte> GhashBlocks(Vector128<byte> h, Vector128<byte> y, ReadOnlySpan<byte> data)
    {
        Span<byte> last = stackalloc byte[BlockSize];
        for (int offset = 0; offset < data.Length; offset += BlockSize)
        {
            Vector128<byte> x;
            if (data.Length - offset >= BlockSize)
            {
                x = Vector128.Create(data.Slice(offset, BlockSize));
            }
            else
            {
                last.Clear();
                data[offset..].CopyTo(last);
                x = Vector128.Create((ReadOnlySpan<byte>)last);
            }

            y = Gf128.GcmMultiply(y ^ x, h);
        }

        return y;
    }

    /// <summary>GCTR from inc32(J0).</summary>
    private static void Ctr(AesEngine cipher, Vector128<byte> j0, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<byte> counter = stackalloc byte[BlockSize];
        Span<byte> keystream = stackalloc byte[BlockSize];
        j0.CopyTo(counter);
        for (int offset = 0; offset < input.Length; offset += BlockSize)
        {
            uint low = BinaryPrimitives.ReadUInt32BigEndian(counter[12..]);
            BinaryPrimitives.WriteUInt32BigEndian(counter[12..], unchecked(low + 1));
            cipher.Encrypt(Vector128.Create((ReadOnlySpan<byte>)counter)).CopyTo(keystream);
            int length = Math.Min(BlockSize, input.Length - offset);
            for (int i = 0; i < length; i++)
            {
                output[offset + i] = (byte)(input[offset + i] ^ keystream[i]);
            }
        }

        CryptographicOperations.ZeroMemory(keystream);
    }
}
