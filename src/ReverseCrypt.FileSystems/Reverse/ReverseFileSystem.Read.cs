// Opening and reading files of the view: content encryption at any offset (docs/format.md 8.1-8.5), the virtual files
// (6, 7.5) and the config pass-through (3.1).
using System.Runtime.CompilerServices;
using ReverseCrypt.FileSystems.Backing;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Content;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

public sealed partial class ReverseFileSystem
{
    private const int O_ACCMODE = 3, O_TRUNC = 0x200;

    /// <summary>Per reader thread: plaintext blocks of one request (pinned, reused: no allocation per read).</summary>
    [ThreadStatic]
    private static byte[]? t_plainBuffer;

    /// <summary>Per reader thread: one encrypted block, for blocks only partly inside a request.</summary>
    [ThreadStatic]
    private static byte[]? t_cipherBlock;

    public override Errno Open(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        fileHandle = 0;
        openFlags = FuseOpenFlags.None;
        if ((flags & O_ACCMODE) != 0 || (flags & O_TRUNC) != 0)
        {
            return Errno.EROFS;
        }
        var node = _nodes.Get(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        ReverseFileHandle handle;
        Errno errno;
        switch (node.Kind)
        {
            case ReverseNodeKind.Root:
                return Errno.EISDIR;
            case ReverseNodeKind.DirIv:
                errno = _tree.Stat(node.ViewParent!, out var dirStat);
                if (errno != Errno.OK)
                {
                    return errno;
                }
                if ((dirStat.Mode & S_IFMT) != S_IFDIR)
                {
                    return Errno.ENOENT;
                }
                handle = ReverseFileHandle.ForBytes(node, DirIvOf(node.ViewParent!));
                openFlags = FuseOpenFlags.KeepCache;    // the content depends on the path only
                break;
            case ReverseNodeKind.LongNameFile:
                handle = ReverseFileHandle.ForBytes(node, FullCipherNameOf(node)!);
                openFlags = FuseOpenFlags.KeepCache;
                break;
            case ReverseNodeKind.Config:
                errno = OpenConfig(node, out var configFd, out var configStat);
                if (configFd is null)
                {
                    return errno;
                }
                handle = ReverseFileHandle.ForPassThrough(node, configFd);
                openFlags = KeepCacheIfUnchanged(node, configStat);
                break;
            case ReverseNodeKind.Real:
                errno = OpenContent(node, out var contentHandle, out var contentStat, out bool changedSinceTold, out bool servesCurrent);
                if (contentHandle is null)
                {
                    return errno;
                }
                handle = contentHandle;
                if (changedSinceTold)
                {
                    NoteChanged(handle);
                }
                if (!servesCurrent)
                {
                    // Serves an earlier state than the file's: bypass the page cache (no page from another open or
                    // state can meet this open's blocks) and drop what is cached.
                    _nodes.ExchangeFingerprint(node.NodeId, 0);
                    openFlags = FuseOpenFlags.DirectIo;
                }
                else
                {
                    openFlags = KeepCacheIfUnchanged(node, contentStat, handle.Holes);
                }
                break;
            default:
                return Errno.EIO;
        }
        fileHandle = _files.Add(handle);
        return Errno.OK;
    }

    public override Errno Read(ulong nodeId, ulong fileHandle, long offset, Span<byte> buffer, out int bytesRead)
    {
        bytesRead = 0;
        var handle = _files.Get(fileHandle);
        if (handle is null)
        {
            return Errno.EBADF;
        }
        if (offset < 0)
        {
            return Errno.EINVAL;
        }
        switch (handle.Kind)
        {
            case ReverseFileKind.Bytes:
                var bytes = handle.Bytes!;
                if (offset < bytes.Length)
                {
                    int n = (int)Math.Min(buffer.Length, bytes.Length - offset);
                    bytes.AsSpan((int)offset, n).CopyTo(buffer);
                    bytesRead = n;
                }
                return Errno.OK;
            case ReverseFileKind.PassThrough:
                return ReadPassThrough(handle, offset, buffer, out bytesRead);
            default:
                return ReadContent(handle, offset, buffer, out bytesRead);
        }
    }

    public override Errno Release(ulong nodeId, ulong fileHandle, int flags)
    {
        var handle = _files.Remove(fileHandle);
        if (handle is null)
        {
            return Errno.OK;
        }
        if (handle.Kind == ReverseFileKind.Content)
        {
            if (Libc.StatxFd(handle.Fd!.Fd, out var st) != Errno.OK || StateOf(st) != handle.PinnedState)
            {
                NoteChanged(handle);
            }
            RemovePin(handle.Node.NodeId);
        }
        handle.Dispose();
        return Errno.OK;
    }

    /// <summary>Opens a real file's content. <paramref name="servesCurrent"/>: the open serves the file as it is now
    /// (not an earlier, pinned state).</summary>
    private Errno OpenContent(ReverseNode node, out ReverseFileHandle? handle, out Libc.StatxBuffer stat,
        out bool changedSinceTold, out bool servesCurrent)
    {
        handle = null;
        changedSinceTold = false;
        servesCurrent = false;
        var fd = _tree.OpenRegularFile(node, out stat, out var errno);
        if (fd is null)
        {
            if (errno is Errno.EACCES or Errno.EPERM && (stat.Mode & S_IFMT) == S_IFREG)
            {
                WarnUnreadable(node, stat, errno);
                return Errno.EACCES;
            }
            return errno;
        }
        var now = StateOf(stat);
        var pinned = ChoosePin(node, now, out changedSinceTold);
        if (pinned.Identity != now.Identity)
        {
            // The name now names another file (another inode, or a new file with a reused inode number: its birth
            // time differs) than the one whose size the kernel (and rsync) was told: the saved-by-rename case.
            // Neither size would give a state this file had (the new file cut to the old size, or blocks past what the
            // reader will take), so the open fails; the backup keeps the earlier version and lists it.
            fd.Dispose();
            NoteChanged(node);
            ReverseLog.ReplacedWhileServed(_log, DisplayPath(node.ViewParent!, node.PlainName));
            return Errno.EIO;
        }
        servesCurrent = pinned == now;
        // docs/format.md 5 and 8: file ID and block-0 nonce come from this node's own cipher path (18: also for hard links).
        var fileId = new byte[PathIv.Size];
        var block0Iv = new byte[PathIv.Size];
        var header = new byte[ContentLayout.HeaderSize];
        var cipherPath = CipherPathOf(node);
        PathIv.Compute(cipherPath, PathIvPurpose.FileId, fileId);
        PathIv.Compute(cipherPath, PathIvPurpose.Block0Iv, block0Iv);
        FileHeader.Write(fileId, header);
        var holes = _options.Sparse ? HoleMap.Find(fd.Fd, stat, pinned.Size) : null;
        handle = ReverseFileHandle.ForContent(node, fd, header, fileId, block0Iv, pinned, holes);
        AddPin(node.NodeId, pinned.Size);
        return Errno.OK;
    }

    private Errno OpenConfig(ReverseNode node, out SafeFd? fd, out Libc.StatxBuffer stat)
    {
        Errno errno;
        if (_externalConfigPath is null)
        {
            fd = _tree.OpenRegularFile(node, out stat, out errno);
            return errno;
        }
        stat = default;
        using var pathFd = BackingTree.OpenPath(_externalConfigPath, Libc.OpenFlags.O_PATH, out errno);
        fd = null;
        if (pathFd is null)
        {
            return errno;
        }
        errno = Libc.StatxFd(pathFd.Fd, out stat);
        if (errno != Errno.OK)
        {
            return errno;
        }
        if ((stat.Mode & S_IFMT) != S_IFREG)
        {
            return Errno.EACCES;
        }
        fd = BackingTree.ReopenReadOnly(pathFd.Fd, out errno);
        return errno;
    }

    /// <summary>FOPEN_KEEP_CACHE only when inode, size, mtime and ctime are those of the previous open, so that cached
    /// pages are never served after the plaintext changed; otherwise the kernel drops the cache on this open. (Called
    /// only when the file is in the state the kernel was told, so the size pinned for the open is its size.) The hole
    /// map counts too: blocks of one open served as zeros must never meet cached pages of an open that encrypted them
    /// (an allocation change need not change the times).</summary>
    private FuseOpenFlags KeepCacheIfUnchanged(ReverseNode node, in Libc.StatxBuffer st, HoleMap? holes = null) =>
        _nodes.ExchangeFingerprint(node.NodeId, Fingerprint(st, holes?.Digest ?? 0)) ? FuseOpenFlags.KeepCache : FuseOpenFlags.None;

    /// <summary>A 64-bit digest of (ino, size, mtime, ctime, hole map), never 0 (the node table stores only this).</summary>
    private static ulong Fingerprint(in Libc.StatxBuffer st, ulong holesDigest)
    {
        ulong h = Mix(st.Ino ^ holesDigest);
        h = Mix(h ^ st.Size);
        h = Mix(h ^ (ulong)st.Mtime.Sec);
        h = Mix(h ^ st.Mtime.Nsec);
        h = Mix(h ^ (ulong)st.Ctime.Sec);
        h = Mix(h ^ st.Ctime.Nsec);
        return h | 1;

        // splitmix64's finaliser (a bijection, so distinct inputs in one step never collide).
        static ulong Mix(ulong x)
        {
            x += 0x9e3779b97f4a7c15UL;
            x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
            x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
            return x ^ (x >> 31);
        }
    }

    private void WarnUnreadable(ReverseNode node, in Libc.StatxBuffer st, Errno errno)
    {
        lock (_warnLock)
        {
            if (!_warnedUnreadable.Add((st.Dev, st.Ino)))
            {
                return;
            }
        }
        ReverseLog.UnreadableFile(_log, DisplayPath(node.ViewParent!, node.PlainName), Libc.Describe(errno));
    }

    private static Errno ReadPassThrough(ReverseFileHandle handle, long offset, Span<byte> buffer, out int bytesRead)
    {
        bool added = false;
        handle.Fd!.DangerousAddRef(ref added);
        try
        {
            int n = Libc.PreadFull(handle.Fd.Fd, buffer, offset, out var errno);
            bytesRead = Math.Max(n, 0);
            return n < 0 ? errno : Errno.OK;
        }
        finally
        {
            handle.Fd.DangerousRelease();
        }
    }

    /// <summary>
    /// Serves <c>E[offset : offset + buffer.Length]</c> of the encrypted file E = header || block_0 || ... of the
    /// first <see cref="ReverseFileHandle.PinnedSize"/> plaintext bytes (docs/format.md 8.5; a file grown since OPEN is
    /// served as that prefix, its last block encrypted from exactly those bytes). The plaintext blocks covering the
    /// request are read with one pread; whole encrypted blocks go straight into the reply buffer, blocks cut by the
    /// request's edges through a one-block scratch buffer. When no plaintext byte exists at the requested data
    /// position, nothing is returned (not even header bytes), as gocryptfs does; a request entirely inside the header
    /// gets header bytes. When the file has shrunk below a byte the request needs, the request fails with EIO: never a
    /// block cut short, never bytes that were not read.
    /// </summary>
    private Errno ReadContent(ReverseFileHandle handle, long offset, Span<byte> buffer, out int bytesRead)
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
        handle.Header.AsSpan((int)Math.Min(offset, ContentLayout.HeaderSize), written).CopyTo(buffer);
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
        if (plainStart >= handle.PinnedSize)
        {
            return Errno.OK;    // past the end: 0 bytes, header withheld too
        }
        int wanted = (int)Math.Min(blockCount * PlainBlock, handle.PinnedSize - plainStart);
        var plain = PlainBuffer(blockCount * PlainBlock);
        var holes = handle.Holes;
        int plainLength;
        Errno errno;
        bool added = false;
        handle.Fd!.DangerousAddRef(ref added);
        try
        {
            plainLength = holes is null
                ? Libc.PreadFull(handle.Fd.Fd, plain.AsSpan(0, wanted), plainStart, out errno)
                : ReadAroundHoles(handle.Fd.Fd, holes, firstBlock, plain.AsSpan(0, wanted), out errno);
        }
        finally
        {
            handle.Fd.DangerousRelease();
        }
        if (plainLength < 0)
        {
            ReverseLog.ReadFailed(_log, handle.Node.NodeId, errno.ToString());
            return errno;
        }
        if (plainLength < wanted)
        {
            return ShrunkUnderReader(handle, plainStart + plainLength);
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
                        handle.FileId, handle.Block0Iv, output.Slice(outPos, runCipher));
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
                handle.FileId, handle.Block0Iv, scratch.AsSpan(0, partCipher));
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
    private static int ReadAroundHoles(int fd, HoleMap holes, long firstBlock, Span<byte> plain, out Errno errno)
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
    private Errno ShrunkUnderReader(ReverseFileHandle handle, long size)
    {
        NoteChanged(handle);
        if (handle.TakeShrinkLog())
        {
            ReverseLog.ShrunkWhileRead(_log, DisplayPath(handle.Node.ViewParent!, handle.Node.PlainName), handle.PinnedSize, size);
        }
        return Errno.EIO;
    }

    private byte[] PlainBuffer(int needed)
    {
        var buffer = t_plainBuffer;
        if (buffer is null || buffer.Length < needed)
        {
            // Sized for the largest request the kernel may send, so that this happens once per reader thread.
            int size = Math.Max(needed, (_maxRead / ContentLayout.CipherBlockSize + 2) * ContentLayout.PlainBlockSize);
            buffer = GC.AllocateUninitializedArray<byte>(size, pinned: true);
            t_plainBuffer = buffer;
        }
        return buffer;
    }
}
