using ReverseCrypt.Format.Content;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Forward;

public sealed partial class ForwardFileSystem
{
    private const int O_ACCMODE = 3;

    public override Errno Open(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        fileHandle = 0;
        openFlags = FuseOpenFlags.None;
        var node = GetNode(nodeId);
        if (node is null || node.IsRoot)
        {
            return node is null ? Errno.ENOENT : Errno.EISDIR;
        }
        if ((flags & O_ACCMODE) != 0)
        {
            return Errno.EROFS;
        }
        if (node.Type != CipherIo.S_IFREG)
        {
            return node.IsDirectory ? Errno.EISDIR : Errno.EACCES;
        }
        var errno = AcquireParent(node, out var lease);
        if (errno != Errno.OK)
        {
            return errno;
        }
        CipherFile? file;
        ContentStatus status;
        using (lease)
        {
            file = CipherFile.Open(_tree, lease.Dir, node.CipherName, node.CipherPath, out status, out errno);
        }
        if (file is null)
        {
            switch (status)
            {
                case ContentStatus.TooShort:
                    LogDamage(node.CipherPath, node.PlainPath, "1..18 bytes: too short for a header (truncated)");
                    return Errno.EIO;
                case ContentStatus.HeaderInvalid:
                    LogDamage(node.CipherPath, node.PlainPath, "invalid file header");
                    return Errno.EIO;
                case ContentStatus.NotRegular:
                    return Errno.ESTALE;
                default:
                    ForwardLog.OperationFailed(_logger, "open", BytePath.Display(node.CipherPath), errno.ToString());
                    return errno;
            }
        }
        var stat = file.Stat;
        var fingerprint = (stat.Ino, stat.Size, stat.Mtime.Sec, stat.Mtime.Nsec, stat.Ctime.Sec, stat.Ctime.Nsec);
        lock (node)
        {
            if (node.OpenFingerprint == fingerprint)
            {
                openFlags = FuseOpenFlags.KeepCache; // unchanged since the last open: cached pages are still right
            }
            node.OpenFingerprint = fingerprint;
        }
        fileHandle = _handles.Add(new OpenFile(node, file));
        return Errno.OK;
    }

    public override Errno Read(ulong nodeId, ulong fileHandle, long offset, Span<byte> buffer, out int bytesRead)
    {
        bytesRead = 0;
        if (_handles.Get(fileHandle) is not OpenFile open)
        {
            return Errno.EBADF;
        }
        if (offset < 0)
        {
            return Errno.EINVAL;
        }
        var status = open.File.ReadAt(offset, buffer, out bytesRead, out long badBlock, out var errno);
        switch (status)
        {
            case ContentStatus.Ok:
                return Errno.OK;
            case ContentStatus.BlockInvalid:
                bytesRead = 0;
                LogDamage(open.Node.CipherPath, open.Node.PlainPath,
                    $"block {badBlock} (plaintext offset {ContentLayout.PlainOffsetOfBlock(badBlock)}) does not authenticate");
                return Errno.EIO;
            default:
                bytesRead = 0;
                ForwardLog.OperationFailed(_logger, "read", BytePath.Display(open.Node.CipherPath), errno.ToString());
                return errno == Errno.OK ? Errno.EIO : errno;
        }
    }

    public override Errno Flush(ulong nodeId, ulong fileHandle, ulong lockOwner) => Errno.OK;

    public override Errno Release(ulong nodeId, ulong fileHandle, int flags)
    {
        if (_handles.Remove(fileHandle) is OpenFile open)
        {
            open.Dispose();
        }
        return Errno.OK;
    }
}
