// Reading encrypted file contents (docs/format.md 8 and 13 step 6): header, then 4128-byte blocks authenticated with
// AD = BE64(blockNo) || fileID. Only authenticated plaintext ever leaves this class: blocks are opened into the
// caller's buffer, which ContentCipher clears on failure, and a failed read reports the bad block.
using System.Buffers;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Content;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>
/// One open encrypted regular file. Sizes are taken when it is opened. Reads are positional (pread), so one instance
/// can serve several threads at once.
/// </summary>
public sealed class CipherFile : IDisposable
{
    /// <summary>Blocks decrypted per batch by <see cref="ReadAt"/> (bounds the scratch buffer: 64 * 4128 bytes).</summary>
    public const int BatchBlocks = 64;

    private readonly SafeFd? _fd;
    private readonly ICipherContent? _remote;
    private readonly byte[] _fileId;
    private readonly ContentCipher _content;

    private CipherFile(SafeFd? fd, ICipherContent? remote, Libc.StatxBuffer stat, byte[] fileId, bool reverseProduced, ContentCipher content)
    {
        _fd = fd;
        _remote = remote;
        Stat = stat;
        _fileId = fileId;
        _content = content;
        IsReverseProduced = reverseProduced;
        CipherSize = (long)stat.Size;
        PlainSize = ContentLayout.CipherToPlainSize(CipherSize);
        BlockCount = ContentLayout.BlockCount(PlainSize);
    }

    /// <summary>statx of the open descriptor.</summary>
    public Libc.StatxBuffer Stat { get; }

    public long CipherSize { get; }

    /// <summary>Plaintext size from the cipher size (docs/format.md 8.4).</summary>
    public long PlainSize { get; }

    /// <summary>Number of content blocks.</summary>
    public long BlockCount { get; }

    /// <summary>
    /// True when the file ID equals PathIV(cipherPath, "FILEID"): the file was produced by reverse mode at this very
    /// path. An all-zero block reads as a hole in such a file too: our sparse view writes them (docs/format.md 18).
    /// </summary>
    public bool IsReverseProduced { get; }

    /// <summary>The raw descriptor (for fadvise and the like), valid until disposal; -1 for a file of a store.</summary>
    public int Fd => _fd?.Fd ?? -1;

    /// <summary>
    /// Opens <paramref name="cipherName"/> in <paramref name="dirFd"/> (cipher path <paramref name="cipherPath"/>) and
    /// checks its header. A file of 0 bytes is a valid empty file. Null with the reason otherwise.
    /// </summary>
    public static CipherFile? Open(CipherTree tree, SafeFd dirFd, ReadOnlySpan<byte> cipherName, ReadOnlySpan<byte> cipherPath,
        out ContentStatus status, out Errno errno) =>
        Open(tree, new CipherDir(dirFd), cipherName, cipherPath, out status, out errno);

    /// <summary>Open for a local or store directory.</summary>
    public static CipherFile? Open(CipherTree tree, CipherDir dir, ReadOnlySpan<byte> cipherName, ReadOnlySpan<byte> cipherPath,
        out ContentStatus status, out Errno errno)
    {
        ArgumentNullException.ThrowIfNull(tree);
        Libc.StatxBuffer stat;
        SafeFd? fd = null;
        ICipherContent? remote = null;
        if (dir.IsLocal)
        {
            fd = dir.OpenLocalRegular(cipherName, out stat, out errno);
        }
        else
        {
            remote = dir.OpenRegular(cipherName, out stat, out errno);
        }
        if (fd is null && remote is null)
        {
            status = errno is Errno.EINVAL or Errno.ELOOP ? ContentStatus.NotRegular : ContentStatus.ReadError;
            return null;
        }
        long cipherSize = (long)stat.Size;
        var fileId = new byte[ContentLayout.FileIdSize];
        bool reverseProduced = false;
        if (cipherSize > 0)
        {
            if (cipherSize <= ContentLayout.HeaderSize)
            {
                fd?.Dispose();
                remote?.Dispose();
                status = ContentStatus.TooShort;
                return null;
            }
            Span<byte> header = stackalloc byte[ContentLayout.HeaderSize];
            int n = fd is not null ? Libc.PreadFull(fd, header, 0, out errno) : remote!.ReadFull(header, 0, out errno);
            if (n != ContentLayout.HeaderSize)
            {
                fd?.Dispose();
                remote?.Dispose();
                status = n < 0 ? ContentStatus.ReadError : ContentStatus.TooShort;
                return null;
            }
            if (!FileHeader.TryParse(header, fileId))
            {
                fd?.Dispose();
                remote?.Dispose();
                status = ContentStatus.HeaderInvalid;
                return null;
            }
            Span<byte> pathFileId = stackalloc byte[PathIv.Size];
            PathIv.Compute(cipherPath, PathIvPurpose.FileId, pathFileId);
            reverseProduced = pathFileId.SequenceEqual(fileId);
        }
        status = ContentStatus.Ok;
        errno = Errno.OK;
        return new CipherFile(fd, remote, stat, fileId, reverseProduced, tree.Content);
    }

    /// <summary>
    /// Reads and opens consecutive blocks from <paramref name="firstBlock"/>: as many as fit into
    /// <paramref name="plain"/> (a multiple of 4096 bytes) and exist in the file. <paramref name="cipherScratch"/> must
    /// hold 4128 bytes per block. On success <paramref name="plainLength"/> is the number of plaintext bytes (short
    /// only at the end of the file). On <see cref="ContentStatus.BlockInvalid"/>, <paramref name="badBlock"/> is the
    /// file's block number and <paramref name="plain"/> holds nothing usable.
    /// </summary>
    public ContentStatus ReadBlocks(long firstBlock, Span<byte> plain, Span<byte> cipherScratch, out int plainLength,
        out long badBlock, out Errno errno)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstBlock);
        if (plain.Length % ContentLayout.PlainBlockSize != 0)
        {
            throw new ArgumentException("plain must be a multiple of 4096 bytes.", nameof(plain));
        }
        int blocks = plain.Length / ContentLayout.PlainBlockSize;
        if (cipherScratch.Length < blocks * ContentLayout.CipherBlockSize)
        {
            throw new ArgumentException("cipherScratch must hold 4128 bytes per block.", nameof(cipherScratch));
        }
        plainLength = 0;
        badBlock = -1;
        errno = Errno.OK;
        if (blocks == 0 || firstBlock >= BlockCount)
        {
            return ContentStatus.Ok;
        }
        long blockOffset = ContentLayout.PlainOffsetOfBlock(firstBlock);
        var range = ContentLayout.MapPlainRange(blockOffset, (int)Math.Min(plain.Length, PlainSize - blockOffset));
        long cipherOffset = range.CipherOffset;
        long available = Math.Max(0, CipherSize - cipherOffset);
        int wanted = (int)Math.Min(available, range.CipherLength);
        var cipher = cipherScratch[..wanted];
        int read = _fd is not null ? Libc.PreadFull(_fd, cipher, cipherOffset, out errno) : _remote!.ReadFull(cipher, cipherOffset, out errno);
        if (read < 0)
        {
            return ContentStatus.ReadError;
        }
        cipher = cipher[..read];
        if (read == 0)
        {
            return ContentStatus.Ok;
        }
        int length = (int)ContentLayout.PlainLengthOfBlocks(read);
        if (!_content.TryDecryptBlocks(cipher, (ulong)firstBlock, _fileId, plain[..length], out int badIndex))
        {
            badBlock = firstBlock + badIndex;
            return ContentStatus.BlockInvalid;
        }
        plainLength = length;
        return ContentStatus.Ok;
    }

    /// <summary>
    /// Reads plaintext from any offset: fills <paramref name="destination"/> from <paramref name="plainOffset"/> up
    /// to the end of the file (<paramref name="bytesRead"/> is short only there). Whole blocks are decrypted in
    /// batches through a pooled scratch buffer; aligned reads are decrypted straight into the destination.
    /// </summary>
    public ContentStatus ReadAt(long plainOffset, Span<byte> destination, out int bytesRead, out long badBlock, out Errno errno)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainOffset);
        bytesRead = 0;
        badBlock = -1;
        errno = Errno.OK;
        byte[]? cipherScratch = null;
        byte[]? plainScratch = null;
        int plainScratchUsed = 0; // largest prefix of plainScratch that held plaintext
        try
        {
            while (bytesRead < destination.Length && plainOffset + bytesRead < PlainSize)
            {
                long position = plainOffset + bytesRead;
                int remaining = destination.Length - bytesRead;
                long toEnd = PlainSize - position;
                int want = (int)Math.Min(remaining, toEnd);
                var range = ContentLayout.MapPlainRange(position, want);
                int skip = range.SkipInFirstBlock;
                int blocks = Math.Min(BatchBlocks, range.BlockCount);
                cipherScratch ??= ArrayPool<byte>.Shared.Rent(BatchBlocks * ContentLayout.CipherBlockSize);
                var target = destination[bytesRead..];
                bool direct = skip == 0 && target.Length >= blocks * ContentLayout.PlainBlockSize;
                Span<byte> plain;
                if (direct)
                {
                    plain = target[..(blocks * ContentLayout.PlainBlockSize)];
                }
                else
                {
                    plainScratch ??= ArrayPool<byte>.Shared.Rent(BatchBlocks * ContentLayout.PlainBlockSize);
                    plain = plainScratch.AsSpan(0, blocks * ContentLayout.PlainBlockSize);
                    plainScratchUsed = Math.Max(plainScratchUsed, plain.Length);
                }
                var status = ReadBlocks(range.FirstBlock, plain, cipherScratch, out int plainLength, out badBlock, out errno);
                if (status != ContentStatus.Ok)
                {
                    destination.Clear();
                    bytesRead = 0;
                    return status;
                }
                int usable = Math.Min(plainLength - skip, want);
                if (usable <= 0)
                {
                    break; // the file is shorter than its size said (changed under us): end of file
                }
                if (!direct)
                {
                    plain.Slice(skip, usable).CopyTo(target);
                }
                bytesRead += usable;
            }
            return ContentStatus.Ok;
        }
        finally
        {
            if (cipherScratch is not null)
            {
                ArrayPool<byte>.Shared.Return(cipherScratch);
            }
            if (plainScratch is not null)
            {
                // The pooled array goes back to the shared pool: wipe the decrypted plaintext it held (only the
                // prefix this call used; the rest was never written here).
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(plainScratch.AsSpan(0, plainScratchUsed));
                ArrayPool<byte>.Shared.Return(plainScratch);
            }
        }
    }

    public void Dispose()
    {
        _fd?.Dispose();
        _remote?.Dispose();
    }
}
