using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse;

/// <summary>
/// An <see cref="IFuseFileSystem"/> that answers ENOSYS for every request; override what the filesystem supports.
/// Operations outside the interface (writes, setattr, create, mkdir, unlink, rename, setxattr...) are answered by the
/// session: EROFS on a read-only mount, ENOSYS otherwise.
/// </summary>
/// <remarks>
/// The kernel remembers some ENOSYS answers for the whole mount and stops asking: FLUSH, ACCESS (then treated as
/// allowed), GETXATTR/LISTXATTR (then "Operation not supported"), OPEN/OPENDIR (then treated as succeeded, with
/// handle 0, only if the kernel offered FUSE_NO_OPEN_SUPPORT).
/// </remarks>
public abstract class FuseFileSystemBase : IFuseFileSystem
{
    public virtual Errno Init(FuseConnectionInfo connection) => Errno.OK;

    public virtual void Destroy()
    {
    }

    public virtual Errno Lookup(ulong parentNodeId, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        entry = default;
        return Errno.ENOSYS;
    }

    public virtual void Forget(ulong nodeId, ulong nlookup)
    {
    }

    public virtual Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
    {
        attr = default;
        attrTimeout = default;
        return Errno.ENOSYS;
    }

    public virtual Errno Readlink(ulong nodeId, Span<byte> target, out int length)
    {
        length = 0;
        return Errno.ENOSYS;
    }

    public virtual Errno Open(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        fileHandle = 0;
        openFlags = FuseOpenFlags.None;
        return Errno.ENOSYS;
    }

    public virtual Errno Read(ulong nodeId, ulong fileHandle, long offset, Span<byte> buffer, out int bytesRead)
    {
        bytesRead = 0;
        return Errno.ENOSYS;
    }

    public virtual Errno Flush(ulong nodeId, ulong fileHandle, ulong lockOwner) => Errno.ENOSYS;

    public virtual Errno Release(ulong nodeId, ulong fileHandle, int flags) => Errno.ENOSYS;

    public virtual Errno Opendir(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        fileHandle = 0;
        openFlags = FuseOpenFlags.None;
        return Errno.ENOSYS;
    }

    public virtual Errno Readdir(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) => Errno.ENOSYS;

    public virtual Errno Readdirplus(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) => Errno.ENOSYS;

    public virtual Errno Releasedir(ulong nodeId, ulong fileHandle, int flags) => Errno.ENOSYS;

    public virtual Errno Statfs(ulong nodeId, out FuseStatfs statfs)
    {
        statfs = default;
        return Errno.ENOSYS;
    }

    public virtual Errno Getxattr(ulong nodeId, ReadOnlySpan<byte> name, Span<byte> value, out int length)
    {
        length = 0;
        return Errno.ENOSYS;
    }

    public virtual Errno Listxattr(ulong nodeId, Span<byte> list, out int length)
    {
        length = 0;
        return Errno.ENOSYS;
    }

    public virtual Errno Access(ulong nodeId, int mask) => Errno.ENOSYS;
}
