// An open plaintext regular file of the reverse view, encrypted on the fly (docs/format.md 8.1-8.5, and 18 for the
// pinned size and the holes).
using System.Runtime.CompilerServices;
using ReverseCrypt.Format.Content;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// An open regular file of the plaintext tree, served encrypted: the plaintext descriptor (opened once per FUSE open)
/// and the per-file values of the content encryption (header, file ID, block-0 IV, all from the node's cipher path),
/// the size and state pinned at OPEN and the open's hole map. Its READ is the hot path of the view.
/// </summary>
internal sealed class ContentFile : OpenFile
{
    /// <summary>Per reader thread: plaintext blocks of one request (pinned, reused: no allocation per read).</summary>
    [ThreadStatic]
    private static byte[]? t_plainBuffer;

    /// <summary>Per reader thread: one encrypted block, for blocks only partly inside a request.</summary>
    [ThreadStatic]
    private static byte[]? t_cipherBlock;

    private readonly ReverseFileSystem _fs;
    private readonly ContentCipher _content;
    private readonly SafeFd _fd;
    /// <summary>The 18-byte file header.</summary>
    private readonly byte[] _header;
    /// <summary>PathIV(cipher path, FILEID).</summary>
    private readonly byte[] _fileId;
    /// <summary>PathIV(cipher path, BLOCK0IV).</summary>
    private readonly byte[] _block0Iv;
    private int _changeRecorded;
    private int _shrinkLogged;

    public ContentFile(ReverseFileSystem fs, ReverseNode node, SafeFd fd, byte[] header, byte[] fileId, byte[] block0Iv,
        ReportedState pinned, HoleMap? holes)
        : base(node)
    {
        _fs = fs;
        _content = fs.ContentCipher;
        _fd = fd;
        _header = header;
        _fileId = fileId;
        _block0Iv = block0Iv;
        PinnedSize = pinned.Size;
        PinnedState = pinned;
        Holes = holes;
    }

    /// <summary>The plaintext size this open serves, fixed at OPEN (the size the kernel was last told).</summary>
    public long PinnedSize { get; }

    /// <summary>The file's state as the kernel was last told it when this open began.</summary>
    public ReportedState PinnedState { get; }

    /// <summary>The whole blocks this open serves as all-zero cipher blocks (holes found at OPEN); null: none (no
    /// holes, or the view is not sparse).</summary>
    public HoleMap? Holes { get; }

    /// <summary>True the first time it is called: a change of this open's file is recorded once.</summary>
    public bool TakeChangeRecord() => Interlocked.Exchange(ref _changeRecorded, 1) == 0;

    /// <summary>The size this handle serves (pinned at OPEN), whatever the file grew or shrank to: rsync fstat()s the
    /// file it opened and sends exactly that many bytes.</summary>
    public override bool TryGetAttr(out FuseAttr attr, out Errno errno)
    {
        attr = default;
        errno = Libc.StatxFd(_fd, out var st);
        if (errno != Errno.OK)
        {
            return true;
        }
        attr = _fs.RealAttr(st);
        attr.Size = (ulong)ContentLayout.PlainToCipherSize(PinnedSize);
        _fs.NoteReported(Node.NodeId, ReportedState.FromAttr(attr, ReportedState.BirthOf(st)));
        return true;
    }

    /// <summary>A file that differs at close from what the kernel was told when the open began changed while served;
    /// the open's pin goes.</summary>
    public override void Release()
    {
        if (Libc.StatxFd(_fd, out var st) != Errno.OK || _fs.StateOf(st) != PinnedState)
        {
            _fs.NoteChanged(this);
        }
        _fs.RemovePin(Node.NodeId);
    }

    public override void Dispose() => _fd.Dispose();

    /// <summary>
    /// Serves <c>E[offset : offset + buffer.Length]</c> of the encrypted file E = header || block_0 || ... of the
    /// first <see cref="PinnedSize"/> plaintext bytes (docs/format.md 8.5; a file grown since OPEN is
    /// served as that prefix, its last block encrypted from exactly those bytes). The plaintext blocks covering the
    /// request are read with one pread; whole encrypted blocks go straight into the reply buffer, blocks cut by the
    /// request's edges through a one-block scratch buffer. When no plaintext byte exists at the requested data
    /// position, nothing is returned (not even header bytes), as gocryptfs does; a request entirely inside the header
    /// gets header bytes. When the file has shrunk below a byte the request needs, the request fails with EIO: never a
    /// block cut short, never bytes that were not read.
    /// </summary>
    public override Errno Read(long offset, Span<byte> buffer, out int bytesRead)
    {
        const int PlainBlock = ContentLayout.PlainBlockSize;
        const int CipherBlock = ContentLayout.CipherBlockSize;
        const int Overhead = ContentLayout.BlockOverhead;

        bytesRead = 0;
        if (buffer.IsEmpty)
        {
            return Errno.OK;
        }
        var range = ContentLayout.MapCipherRange(offset, buffer.Length);
        int written = range.HeaderBytes;
        _header.AsSpan((int)Math.Min(offset, ContentLayout.HeaderSize), written).CopyTo(buffer);
        int remaining = buffer.Length - written;
        if (range.BeyondAnyFile)
        {
            return Errno.OK;    // far beyond any file size: end of file
        }
        if (range.BlockCount == 0)
        {
            bytesRead = written;
            return Errno.OK;
        }
        long firstBlock = range.FirstBlock;
        int skip = range.SkipInFirstBlock;
        int blockCount = range.BlockCount;

        long plainStart = range.PlainOffset;
        if (plainStart >= PinnedSize)
        {
            return Errno.OK;    // past the end: 0 bytes, header withheld too
        }
        int wanted = (int)Math.Min(blockCount * PlainBlock, PinnedSize - plainStart);
        var plain = PlainBuffer(blockCount * PlainBlock, _fs.MaxRead);
        var holes = Holes;
        int plainLength;
        Errno errno;
        plainLength = holes is null
            ? Libc.PreadFull(_fd, plain.AsSpan(0, wanted), plainStart, out errno)
            : ReadAroundHoles(_fd, holes, firstBlock, plain.AsSpan(0, wanted), out errno);
        if (plainLength < 0)
        {
            ReverseLog.ReadFailed(_fs.Log, Node.NodeId, errno.ToString());
            return errno;
        }
        if (plainLength < wanted)
        {
            return ShrunkUnderReader(plainStart + plainLength);
        }
        int plainBlocks = (plainLength + PlainBlock - 1) / PlainBlock;
        int cipherAvailable = plainLength + Overhead * plainBlocks;     // encrypted bytes from firstBlock on
        if (skip >= cipherAvailable)
        {
            return Errno.OK;    // past the end: 0 bytes, header withheld too
        }
        int end = Math.Min(skip + remaining, cipherAvailable);  // request end, relative to firstBlock's start
        var output = buffer[written..];
        int outPos = 0;
        int pos = skip;
        while (pos < end)
        {
            int block = pos / CipherBlock;
            int intra = pos % CipherBlock;
            if (holes is not null && holes.IsHole(firstBlock + block))
            {
                // A block inside a hole: all-zero cipher bytes, read back as 4096 zeros (docs/format.md 18).
                int zeros = Math.Min(CipherBlock - intra, end - pos);
                output.Slice(outPos, zeros).Clear();
                outPos += zeros;
                pos += zeros;
                continue;
            }
            if (intra == 0)
            {
                // A run of blocks lying wholly inside [pos, end): encrypt them into the reply in one call.
                int runBlocks = 0;
                int runPlain = 0;
                while (block + runBlocks < plainBlocks && (holes is null || !holes.IsHole(firstBlock + block + runBlocks)))
                {
                    int blockPlain = Math.Min(PlainBlock, plainLength - (block + runBlocks) * PlainBlock);
                    if (pos + runPlain + Overhead * runBlocks + blockPlain + Overhead > end)
                    {
                        break;
                    }
                    runPlain += blockPlain;
                    runBlocks++;
                }
                if (runBlocks > 0)
                {
                    int runCipher = runPlain + Overhead * runBlocks;
                    _content.EncryptBlocks(plain.AsSpan(block * PlainBlock, runPlain), (ulong)(firstBlock + block),
                        _fileId, _block0Iv, output.Slice(outPos, runCipher));
                    outPos += runCipher;
                    pos += runCipher;
                    continue;
                }
            }
            // A block cut by the request's start or end.
            int partPlain = Math.Min(PlainBlock, plainLength - block * PlainBlock);
            int partCipher = partPlain + Overhead;
            var scratch = t_cipherBlock ??= GC.AllocateUninitializedArray<byte>(CipherBlock, pinned: true);
            _content.EncryptBlocks(plain.AsSpan(block * PlainBlock, partPlain), (ulong)(firstBlock + block),
                _fileId, _block0Iv, scratch.AsSpan(0, partCipher));
            int take = Math.Min(partCipher - intra, end - pos);
            scratch.AsSpan(intra, take).CopyTo(output[outPos..]);
            outPos += take;
            pos += take;
        }
        bytesRead = written + outPos;
        return Errno.OK;
    }

    /// <summary>Reads the plaintext of the blocks from <paramref name="firstBlock"/> on into <paramref name="plain"/>,
    /// skipping those inside holes of the open's map (their bytes in <paramref name="plain"/> are left as they are and
    /// never used). Returns <paramref name="plain"/>'s length, less when the file ends early (it shrank), or -1.</summary>
    private static int ReadAroundHoles(SafeFd fd, HoleMap holes, long firstBlock, Span<byte> plain, out Errno errno)
    {
        const int PlainBlock = ContentLayout.PlainBlockSize;
        errno = Errno.OK;
        int blocks = (plain.Length + PlainBlock - 1) / PlainBlock;
        int b = 0;
        while (b < blocks)
        {
            if (holes.IsHole(firstBlock + b))
            {
                b++;
                continue;
            }
            int runEnd = b + 1;
            while (runEnd < blocks && !holes.IsHole(firstBlock + runEnd))
            {
                runEnd++;
            }
            int from = b * PlainBlock;
            int length = Math.Min(runEnd * PlainBlock, plain.Length) - from;
            int n = Libc.PreadFull(fd, plain.Slice(from, length), (firstBlock * PlainBlock) + from, out errno);
            if (n < length)
            {
                return n < 0 ? -1 : from + n;
            }
            b = runEnd;
        }
        return plain.Length;
    }

    /// <summary>The file shrank under the reader: the bytes this open shows are gone. Kept out of the read path so
    /// that its code and what it touches stay cold.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Errno ShrunkUnderReader(long size)
    {
        _fs.NoteChanged(this);
        if (Interlocked.Exchange(ref _shrinkLogged, 1) == 0)
        {
            ReverseLog.ShrunkWhileRead(_fs.Log, _fs.DisplayPath(Node.ViewParent!, Node.PlainName), PinnedSize, size);
        }
        return Errno.EIO;
    }

    private static byte[] PlainBuffer(int needed, int maxRead)
    {
        var buffer = t_plainBuffer;
        if (buffer is null || buffer.Length < needed)
        {
            // Sized for the largest request the kernel may send, so that this happens once per reader thread.
            int size = Math.Max(needed, (maxRead / ContentLayout.CipherBlockSize + 2) * ContentLayout.PlainBlockSize);
            buffer = GC.AllocateUninitializedArray<byte>(size, pinned: true);
            t_plainBuffer = buffer;
        }
        return buffer;
    }
}
