// File content layout of gocryptfs (docs/format.md section 8): an 18-byte header, then blocks of 4096 plaintext bytes,
// each stored as nonce(16) || SIV tag(16) || ciphertext, i.e. 4128 bytes (the last block 33..4128 bytes).
// Size mapping per docs/format.md 8.4, including gocryptfs's rule for a truncated last block
// (internal/contentenc/offsets.go CipherSizeToPlainSize).
namespace ReverseCrypt.Format.Content;

/// <summary>Sizes and offset arithmetic of encrypted file contents.</summary>
public static class ContentLayout
{
    public const int HeaderSize = 18;
    public const int PlainBlockSize = 4096;
    public const int CipherBlockSize = 4128;
    public const int BlockOverhead = 32;
    public const int NonceSize = 16;
    public const int TagSize = 16;
    public const int FileIdSize = 16;

    /// <summary>The last block that can start in a file: its nonce offset (18 + n * 4128) is the last that fits a
    /// long.</summary>
    private const long LastPossibleBlock = (long.MaxValue - HeaderSize) / CipherBlockSize;

    /// <summary>0 -> 0; p > 0 -> 18 + p + 32 * ceil(p / 4096).</summary>
    public static long PlainToCipherSize(long plainSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainSize);
        return plainSize == 0 ? 0 : HeaderSize + CipherLengthOfBlocks(plainSize);
    }

    /// <summary>0..18 -> 0; otherwise the body minus 32 bytes per block. A last block of 1..32 bytes (truncated,
    /// corrupt) counts as holding 1 plaintext byte, as gocryptfs does; a negative result becomes 0.</summary>
    public static long CipherToPlainSize(long cipherSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cipherSize);
        if (cipherSize <= HeaderSize)
        {
            return 0;
        }

        long cipherBody = cipherSize - HeaderSize;
        long lastBlockLength = cipherBody % CipherBlockSize;
        if (lastBlockLength is > 0 and <= BlockOverhead)
        {
            cipherBody += BlockOverhead + 1 - lastBlockLength;
        }

        long blockCount = (cipherBody + CipherBlockSize - 1) / CipherBlockSize;
        return Math.Max(0, cipherBody - BlockOverhead * blockCount);
    }

    /// <summary>Number of blocks holding plainSize bytes: ceil(plainSize / 4096).</summary>
    public static long BlockCount(long plainSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainSize);
        return (plainSize + PlainBlockSize - 1) / PlainBlockSize;
    }

    /// <summary>Cipher bytes of consecutive blocks holding plainLength bytes (no header).</summary>
    public static long CipherLengthOfBlocks(long plainLength) => plainLength + BlockOverhead * BlockCount(plainLength);

    /// <summary>Plaintext bytes in consecutive cipher blocks of cipherLength bytes (no header); a last block of
    /// at most 32 bytes holds nothing.</summary>
    public static long PlainLengthOfBlocks(long cipherLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cipherLength);
        long fullBlocks = cipherLength / CipherBlockSize;
        long rest = cipherLength % CipherBlockSize;
        return fullBlocks * PlainBlockSize + Math.Max(0, rest - BlockOverhead);
    }

    /// <summary>The block holding cipher offset (which must be at or after the header).</summary>
    public static long BlockOf(long cipherOffset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cipherOffset, HeaderSize);
        return (cipherOffset - HeaderSize) / CipherBlockSize;
    }

    /// <summary>The block holding plain offset.</summary>
    public static long PlainBlockOf(long plainOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainOffset);
        return plainOffset / PlainBlockSize;
    }

    /// <summary>Cipher offset of the first byte (the nonce) of block blockNo.</summary>
    public static long CipherOffsetOfBlock(long blockNo)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockNo);
        return HeaderSize + blockNo * CipherBlockSize;
    }

    /// <summary>
    /// What a read of the encrypted bytes [<paramref name="cipherOffset"/>, + <paramref name="length"/>) covers (the
    /// cipher-range to plaintext-range mapping, like gocryptfs's ExplodeCipherRange / JointPlaintextRange): the header
    /// bytes at its start, then the blocks it touches (each encrypted whole from its plaintext, then cut) and where
    /// in the first block's encrypted bytes it starts. No block when the request lies inside the header (or is
    /// empty); <see cref="CipherRange.BeyondAnyFile"/> when the request ends past the largest possible offset (its
    /// blocks are then not computed).
    /// </summary>
    public static CipherRange MapCipherRange(long cipherOffset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cipherOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int headerBytes = cipherOffset < HeaderSize ? (int)Math.Min(HeaderSize - cipherOffset, length) : 0;
        long bodyStart = cipherOffset + headerBytes - HeaderSize;
        int bodyLength = length - headerBytes;
        if (bodyLength == 0)
        {
            return new CipherRange(headerBytes, 0, 0, 0, BeyondAnyFile: false);
        }
        long firstBlock = BlockOf(cipherOffset + headerBytes);
        if (bodyStart > long.MaxValue - bodyLength)
        {
            return new CipherRange(headerBytes, firstBlock, 0, 0, BeyondAnyFile: true);
        }
        long lastBlock = (bodyStart + bodyLength - 1) / CipherBlockSize;
        int blockCount = (int)(lastBlock - firstBlock + 1);
        bool beyond = firstBlock > long.MaxValue / PlainBlockSize - blockCount;
        int skip = (int)(cipherOffset + headerBytes - CipherOffsetOfBlock(firstBlock));
        return new CipherRange(headerBytes, firstBlock, blockCount, skip, beyond);
    }

    /// <summary>
    /// The blocks holding the plaintext bytes [<paramref name="plainOffset"/>, + <paramref name="length"/>) (the
    /// plaintext-range to block-range mapping, like gocryptfs's ExplodePlainRange / JointCipherRange): the first block,
    /// how many consecutive blocks, where in the first block's plaintext the range starts, and where those blocks lie
    /// in the encrypted file (whole blocks; the file's last block may be shorter, so callers bound the length by the
    /// file size). No block for an empty range; <see cref="PlainRange.BeyondAnyFile"/> when the range ends past the
    /// largest possible file (its end or its last block's nonce offset would overflow; its blocks and cipher offsets
    /// are then not computed).
    /// </summary>
    public static PlainRange MapPlainRange(long plainOffset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long firstBlock = PlainBlockOf(plainOffset);
        int skip = (int)(plainOffset - PlainOffsetOfBlock(firstBlock));
        if (length == 0)
        {
            return new PlainRange(firstBlock, 0, skip, 0, 0, BeyondAnyFile: false);
        }
        long lastBlock = plainOffset > long.MaxValue - length ? long.MaxValue : PlainBlockOf(plainOffset + length - 1);
        if (lastBlock > LastPossibleBlock)
        {
            return new PlainRange(firstBlock, 0, skip, 0, 0, BeyondAnyFile: true);
        }
        int blockCount = (int)(lastBlock - firstBlock + 1);
        return new PlainRange(firstBlock, blockCount, skip, CipherOffsetOfBlock(firstBlock), (long)blockCount * CipherBlockSize,
            BeyondAnyFile: false);
    }

    /// <summary>Plain offset of the first byte of block blockNo.</summary>
    public static long PlainOffsetOfBlock(long blockNo)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockNo);
        return blockNo * PlainBlockSize;
    }
}

/// <summary>The result of <see cref="ContentLayout.MapCipherRange"/>.</summary>
/// <param name="HeaderBytes">Bytes of the 18-byte header at the start of the request.</param>
/// <param name="FirstBlock">The first block the request touches after the header.</param>
/// <param name="BlockCount">How many consecutive blocks it touches (0: none).</param>
/// <param name="SkipInFirstBlock">Where in the first block's encrypted bytes the request starts.</param>
/// <param name="BeyondAnyFile">The request ends past the largest possible offset (its end or its blocks' plaintext
/// offset would overflow): the end of the file.</param>
public readonly record struct CipherRange(int HeaderBytes, long FirstBlock, int BlockCount, int SkipInFirstBlock, bool BeyondAnyFile)
{
    /// <summary>Plaintext offset of <see cref="FirstBlock"/>.</summary>
    public long PlainOffset => FirstBlock * ContentLayout.PlainBlockSize;

    /// <summary>Plaintext bytes of the blocks touched (whole blocks; the file may end earlier).</summary>
    public long PlainLength => (long)BlockCount * ContentLayout.PlainBlockSize;
}

/// <summary>The result of <see cref="ContentLayout.MapPlainRange"/>.</summary>
/// <param name="FirstBlock">The block holding the first byte of the range (for an empty range: of its offset).</param>
/// <param name="BlockCount">How many consecutive blocks the range touches (0: none).</param>
/// <param name="SkipInFirstBlock">Where in the first block's plaintext the range starts (0..4095).</param>
/// <param name="CipherOffset">Cipher offset of the first block's nonce (0 when no block).</param>
/// <param name="CipherLength">Cipher bytes of the blocks touched, as whole 4128-byte blocks (0 when no block).</param>
/// <param name="BeyondAnyFile">The range ends past the largest possible file (its end or its last block's nonce
/// offset would overflow): no file holds it.</param>
public readonly record struct PlainRange(long FirstBlock, int BlockCount, int SkipInFirstBlock, long CipherOffset, long CipherLength,
    bool BeyondAnyFile)
{
    /// <summary>Plaintext offset of <see cref="FirstBlock"/>.</summary>
    public long PlainOffset => FirstBlock * ContentLayout.PlainBlockSize;

    /// <summary>Plaintext bytes of the blocks touched (whole blocks; the file may end earlier).</summary>
    public long PlainLength => (long)BlockCount * ContentLayout.PlainBlockSize;
}
