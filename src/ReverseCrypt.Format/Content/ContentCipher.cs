// Encryption of file content blocks (docs/format.md 8.1-8.3) and their decryption (docs/format.md 13 step 6).
// Block b (0-based in the file) = nonce_b(16) || AES-SIV(K, [AD_b, nonce_b], plainBlock_b), with
//   nonce_b = block0IV[0:8] || BE64(BE64^-1(block0IV[8:16]) + b mod 2^64)   (reverse mode, 8.2)
//   AD_b    = BE64(b) || fileID                                              (8.3)
// gocryptfs: internal/contentenc/content.go (EncryptBlock, DecryptBlock), fusefrontend_reverse/rfile.go.
// Consecutive blocks go through AesSiv's batch kernels, which interleave several blocks for speed.
using System.Buffers.Binary;
using System.Security.Cryptography;
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format.Content;

/// <summary>Seals and opens runs of content blocks with the content AES-SIV key. Thread-safe.</summary>
public sealed class ContentCipher
{
    /// <summary>Blocks processed per batch call (bounded stack scratch for nonces and associated data).</summary>
    private const int BatchBlocks = 32;
    private const int AssociatedDataSize = 8 + ContentLayout.FileIdSize;

    private readonly AesSiv _siv;

    public ContentCipher(AesSiv siv)
    {
        ArgumentNullException.ThrowIfNull(siv);
        _siv = siv;
    }

    /// <summary>nonce_b = block0Iv[0:8] || BE64(low64(block0Iv) + blockNo mod 2^64).</summary>
    public static void ComputeNonce(ReadOnlySpan<byte> block0Iv, ulong blockNo, Span<byte> nonce16)
    {
        block0Iv[..8].CopyTo(nonce16);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(block0Iv.Slice(8, 8));
        BinaryPrimitives.WriteUInt64BigEndian(nonce16.Slice(8, 8), unchecked(low + blockNo));
    }

    /// <summary>AD_b = BE64(blockNo) || fileId (24 bytes).</summary>
    public static void ComputeAssociatedData(ulong blockNo, ReadOnlySpan<byte> fileId, Span<byte> ad24)
    {
        BinaryPrimitives.WriteUInt64BigEndian(ad24, blockNo);
        fileId.CopyTo(ad24[8..]);
    }

    /// <summary>
    /// Encrypts consecutive plaintext blocks (all 4096 bytes except possibly the last) starting at block number
    /// firstBlockNo. cipher.Length must be plain.Length + 32 * blockCount. Empty plain gives empty cipher.
    /// </summary>
    public void EncryptBlocks(ReadOnlySpan<byte> plain, ulong firstBlockNo, ReadOnlySpan<byte> fileId, ReadOnlySpan<byte> block0Iv,
        Span<byte> cipher)
    {
        CheckIds(fileId, block0Iv);
        int blockCount = checked((int)ContentLayout.BlockCount(plain.Length));
        if (cipher.Length != checked(plain.Length + ContentLayout.BlockOverhead * blockCount))
        {
            throw new ArgumentException("cipher must be plain.Length + 32 bytes per block.", nameof(cipher));
        }

        if (plain.Overlaps(cipher))
        {
            throw new ArgumentException("plain and cipher must not overlap.", nameof(cipher));
        }

        _ = checked(firstBlockNo + (ulong)blockCount); // block numbers must not wrap
        int fullBlocks = plain.Length / ContentLayout.PlainBlockSize;
        Span<byte> associatedData = stackalloc byte[BatchBlocks * AssociatedDataSize];
        for (int first = 0; first < fullBlocks; first += BatchBlocks)
        {
            int count = Math.Min(BatchBlocks, fullBlocks - first);
            for (int i = 0; i < count; i++)
            {
                ulong blockNo = firstBlockNo + (ulong)(first + i);
                ComputeNonce(block0Iv, blockNo, cipher.Slice((first + i) * ContentLayout.CipherBlockSize, ContentLayout.NonceSize));
                ComputeAssociatedData(blockNo, fileId, associatedData.Slice(i * AssociatedDataSize, AssociatedDataSize));
            }

            _siv.EncryptBatch(count, associatedData[..(count * AssociatedDataSize)],
                plain.Slice(first * ContentLayout.PlainBlockSize, count * ContentLayout.PlainBlockSize),
                cipher.Slice(first * ContentLayout.CipherBlockSize, count * ContentLayout.CipherBlockSize), ContentLayout.NonceSize);
        }

        if (fullBlocks < blockCount)
        {
            ulong blockNo = firstBlockNo + (ulong)fullBlocks;
            var cipherBlock = cipher[(fullBlocks * ContentLayout.CipherBlockSize)..];
            var nonce = cipherBlock[..ContentLayout.NonceSize];
            var ad = associatedData[..AssociatedDataSize];
            ComputeNonce(block0Iv, blockNo, nonce);
            ComputeAssociatedData(blockNo, fileId, ad);
            _siv.Encrypt(ad, nonce, plain[(fullBlocks * ContentLayout.PlainBlockSize)..], cipherBlock[ContentLayout.NonceSize..]);
        }
    }

    /// <summary>
    /// Decrypts consecutive cipher blocks (4128 bytes each, the last one 33..4128) starting at block number
    /// firstBlockNo. plain.Length must be <see cref="ContentLayout.PlainLengthOfBlocks"/>(cipher.Length), or at
    /// least the full blocks' length when the last block is truncated (1..32 bytes, always an error).
    /// A block of 4128 zero bytes decrypts to 4096 zeros (a hole); an all-zero nonce or a failed tag is an error.
    /// On error returns false with badBlockIndex = index of the first bad block within this call (0-based) and
    /// plain cleared; on success badBlockIndex = -1.
    /// </summary>
    public bool TryDecryptBlocks(ReadOnlySpan<byte> cipher, ulong firstBlockNo, ReadOnlySpan<byte> fileId, Span<byte> plain,
        out int badBlockIndex)
    {
        if (fileId.Length != ContentLayout.FileIdSize)
        {
            throw new ArgumentException($"A file ID is {ContentLayout.FileIdSize} bytes.", nameof(fileId));
        }

        int fullBlocks = cipher.Length / ContentLayout.CipherBlockSize;
        int rest = cipher.Length % ContentLayout.CipherBlockSize;
        bool truncatedLast = rest is > 0 and <= ContentLayout.BlockOverhead;
        int expectedPlain = checked((int)ContentLayout.PlainLengthOfBlocks(cipher.Length));
        if (truncatedLast ? plain.Length < expectedPlain : plain.Length != expectedPlain)
        {
            throw new ArgumentException("plain must be the plaintext length of the cipher blocks.", nameof(plain));
        }

        if (plain.Overlaps(cipher))
        {
            throw new ArgumentException("plain and cipher must not overlap.", nameof(plain));
        }

        int blockCount = fullBlocks + (rest > 0 ? 1 : 0);
        _ = checked(firstBlockNo + (ulong)blockCount); // block numbers must not wrap
        Span<byte> associatedData = stackalloc byte[BatchBlocks * AssociatedDataSize];
        for (int first = 0; first < fullBlocks; first += BatchBlocks)
        {
            int count = Math.Min(BatchBlocks, fullBlocks - first);
            var cipherRun = cipher.Slice(first * ContentLayout.CipherBlockSize, count * ContentLayout.CipherBlockSize);
            var plainRun = plain.Slice(first * ContentLayout.PlainBlockSize, count * ContentLayout.PlainBlockSize);
            if (HasSpecialBlock(cipherRun, count))
            {
                // Holes or zero nonces (never written by reverse mode): block by block.
                for (int i = 0; i < count; i++)
                {
                    if (!TryDecryptOne(cipherRun.Slice(i * ContentLayout.CipherBlockSize, ContentLayout.CipherBlockSize), firstBlockNo + (ulong)(first + i),
                        fileId, plainRun.Slice(i * ContentLayout.PlainBlockSize, ContentLayout.PlainBlockSize), associatedData[..AssociatedDataSize]))
                    {
                        return Fail(first + i, plain, out badBlockIndex);
                    }
                }

                continue;
            }

            for (int i = 0; i < count; i++)
            {
                ComputeAssociatedData(firstBlockNo + (ulong)(first + i), fileId, associatedData.Slice(i * AssociatedDataSize, AssociatedDataSize));
            }

            if (!_siv.TryDecryptBatch(count, associatedData[..(count * AssociatedDataSize)], cipherRun, ContentLayout.NonceSize, plainRun,
                out int firstBad))
            {
                return Fail(first + firstBad, plain, out badBlockIndex);
            }
        }

        if (rest > 0)
        {
            if (truncatedLast || !TryDecryptOne(cipher[(fullBlocks * ContentLayout.CipherBlockSize)..], firstBlockNo + (ulong)fullBlocks, fileId,
                plain.Slice(fullBlocks * ContentLayout.PlainBlockSize, rest - ContentLayout.BlockOverhead), associatedData[..AssociatedDataSize]))
            {
                return Fail(fullBlocks, plain, out badBlockIndex);
            }
        }

        badBlockIndex = -1;
        return true;
    }

    /// <summary>One block (33..4128 bytes) per docs/format.md 13 step 6.</summary>
    private bool TryDecryptOne(ReadOnlySpan<byte> cipherBlock, ulong blockNo, ReadOnlySpan<byte> fileId, Span<byte> plainBlock,
        Span<byte> associatedData)
    {
        if (cipherBlock.Length == ContentLayout.CipherBlockSize && !cipherBlock.ContainsAnyExcept((byte)0))
        {
            plainBlock.Clear(); // a hole written by a forward-mode gocryptfs
            return true;
        }

        var nonce = cipherBlock[..ContentLayout.NonceSize];
        if (!nonce.ContainsAnyExcept((byte)0))
        {
            return false;
        }

        ComputeAssociatedData(blockNo, fileId, associatedData);
        return _siv.TryDecrypt(associatedData, nonce, cipherBlock[ContentLayout.NonceSize..], plainBlock);
    }

    /// <summary>True when a full block of the run has an all-zero nonce (a hole or damage).</summary>
    private static bool HasSpecialBlock(ReadOnlySpan<byte> cipherRun, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (!cipherRun.Slice(i * ContentLayout.CipherBlockSize, ContentLayout.NonceSize).ContainsAnyExcept((byte)0))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Fail(int index, Span<byte> plain, out int badBlockIndex)
    {
        CryptographicOperations.ZeroMemory(plain);
        badBlockIndex = index;
        return false;
    }

    private static void CheckIds(ReadOnlySpan<byte> fileId, ReadOnlySpan<byte> block0Iv)
    {
        if (fileId.Length != ContentLayout.FileIdSize)
        {
            throw new ArgumentException($"A file ID is {ContentLayout.FileIdSize} bytes.", nameof(fileId));
        }

        if (block0Iv.Length != ContentLayout.NonceSize)
        {
            throw new ArgumentException($"The block-0 IV is {ContentLayout.NonceSize} bytes.", nameof(block0Iv));
        }
    }
}
