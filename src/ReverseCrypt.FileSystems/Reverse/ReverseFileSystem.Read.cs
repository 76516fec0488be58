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
        var errno = node.Open(this, out var file, out openFlags);
        if (file is null)
        {
            return errno;
        }
        fileHandle = _files.Add(file);
        return Errno.OK;
    }

    /// <summary>OPEN of a real object: its content encrypted (<see cref="ContentFile"/>).</summary>
    internal Errno OpenReal(ReverseNode node, out OpenFile? file, out FuseOpenFlags openFlags)
    {
        file = null;
        openFlags = FuseOpenFlags.None;
        var errno = OpenContent(node, out var contentHandle, out var contentStat, out bool changedSinceTold, out bool servesCurrent);
        if (contentHandle is null)
        {
            return errno;
        }
        file = contentHandle;
        if (changedSinceTold)
        {
            NoteChanged(contentHandle);
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
            openFlags = KeepCacheIfUnchanged(node, contentStat, contentHandle.Holes);
        }
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
        return handle.Read(offset, buffer, out bytesRead);
    }

    public override Errno Release(ulong nodeId, ulong fileHandle, int flags)
    {
        var handle = _files.Remove(fileHandle);
        if (handle is null)
        {
            return Errno.OK;
        }
        handle.Release();
        handle.Dispose();
        return Errno.OK;
    }

    /// <summary>Opens a real file's content. <paramref name="servesCurrent"/>: the open serves the file as it is now
    /// (not an earlier, pinned state).</summary>
    private Errno OpenContent(ReverseNode node, out ContentFile? handle, out Libc.StatxBuffer stat,
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
        var holes = _options.Sparse ? HoleMap.Find(fd, stat, pinned.Size) : null;
        handle = new ContentFile(this, node, fd, header, fileId, block0Iv, pinned, holes);
        AddPin(node.NodeId, pinned.Size);
        return Errno.OK;
    }

    /// <summary>FOPEN_KEEP_CACHE only when inode, size, mtime and ctime are those of the previous open, so that cached
    /// pages are never served after the plaintext changed; otherwise the kernel drops the cache on this open. (Called
    /// only when the file is in the state the kernel was told, so the size pinned for the open is its size.) The hole
    /// map counts too: blocks of one open served as zeros must never meet cached pages of an open that encrypted them
    /// (an allocation change need not change the times).</summary>
    internal FuseOpenFlags KeepCacheIfUnchanged(ReverseNode node, in Libc.StatxBuffer st, HoleMap? holes = null) =>
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
}
