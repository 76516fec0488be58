using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse;

/// <summary>
/// A filesystem served over the Linux FUSE kernel protocol, keyed by node ids (the kernel's "nodeid").
/// </summary>
/// <remarks>
/// <para>Node ids: the root is <see cref="FuseConstants.RootNodeId"/> (1). Every other id is chosen by the
/// filesystem when it answers <see cref="Lookup"/> or adds an entry with
/// <see cref="FuseDirectoryWriter.TryAddPlus"/>. The library keeps no table and counts nothing: the filesystem
/// owns the lookup counts. Each successful <see cref="Lookup"/> is +1, each entry accepted by
/// <see cref="FuseDirectoryWriter.TryAddPlus"/> (except "." and "..", and entries with node id 0) is +1, and
/// <see cref="Forget"/> is -nlookup. A node id must stay valid until its count drops to zero; the root is never
/// forgotten.</para>
/// <para>Names are raw bytes without the terminating NUL, never strings.</para>
/// <para>Errors: every request method returns an <see cref="Errno"/> (<see cref="Errno.OK"/> = success) and must not
/// throw; an exception that escapes anyway is answered with EIO and logged once. Out parameters are only read when
/// the method returns OK.</para>
/// <para>Threading: methods are called concurrently from the session's reader threads (several calls may run at the
/// same time, even for the same node or handle). Calls are dispatched inline on the reader thread: a slow method
/// holds back one reader.</para>
/// <para>Operations this interface does not list are answered by the library: ENOSYS, or EROFS for mutations
/// (write, setattr, create, mkdir, unlink, rename, setxattr...) when the mount is read-only. STATX is answered with
/// ENOSYS so the kernel falls back to <see cref="Getattr"/>.</para>
/// </remarks>
public interface IFuseFileSystem
{
    /// <summary>FUSE_INIT has been negotiated: the parameters are final. Returning an error fails the mount.</summary>
    Errno Init(FuseConnectionInfo connection);

    /// <summary>The session ends (unmounted, or the kernel closed the connection). No further calls follow.</summary>
    void Destroy();

    /// <summary>FUSE_LOOKUP: find <paramref name="name"/> in directory <paramref name="parentNodeId"/> and fill
    /// <paramref name="entry"/> (node id, generation, attributes, entry and attribute timeouts). On success the
    /// node's lookup count goes up by one. ENOENT for a missing name; a negative entry can be cached by answering
    /// OK with <c>entry.NodeId = 0</c> and an entry timeout (no lookup count is taken then).</summary>
    Errno Lookup(ulong parentNodeId, ReadOnlySpan<byte> name, out FuseEntry entry);

    /// <summary>FUSE_FORGET / FUSE_BATCH_FORGET: the kernel dropped <paramref name="nlookup"/> references to
    /// <paramref name="nodeId"/>. No reply is sent, so there is nothing to return.</summary>
    void Forget(ulong nodeId, ulong nlookup);

    /// <summary>FUSE_GETATTR. <paramref name="fileHandle"/> is set when the kernel names an open file
    /// (fstat), otherwise null.</summary>
    Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout);

    /// <summary>FUSE_READLINK: write the symlink target (no NUL) into <paramref name="target"/> (at least
    /// <see cref="FuseConstants.MaxSymlinkLength"/> bytes) and set <paramref name="length"/>.
    /// ENAMETOOLONG if it does not fit.</summary>
    Errno Readlink(ulong nodeId, Span<byte> target, out int length);

    /// <summary>FUSE_OPEN. <paramref name="flags"/> are the open(2) flags (O_ACCMODE, O_NONBLOCK...; O_CREAT,
    /// O_EXCL and O_NOCTTY are removed by the kernel). Choose a file handle and the reply flags
    /// (<see cref="FuseOpenFlags.KeepCache"/>, <see cref="FuseOpenFlags.DirectIo"/>).</summary>
    Errno Open(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags);

    /// <summary>FUSE_READ: fill <paramref name="buffer"/> (the reply buffer itself, zero copy; its length is the
    /// requested size) from <paramref name="offset"/> and set <paramref name="bytesRead"/>. Fewer bytes than
    /// requested means end of file (unless the file was opened with direct I/O).</summary>
    Errno Read(ulong nodeId, ulong fileHandle, long offset, Span<byte> buffer, out int bytesRead);

    /// <summary>FUSE_FLUSH: called on each close(2) of a descriptor of the open file, which waits for the answer.
    /// ENOSYS (the base's answer) makes the kernel stop sending FLUSH for the rest of the mount: a filesystem with
    /// nothing to do at close saves a round trip per close.</summary>
    Errno Flush(ulong nodeId, ulong fileHandle, ulong lockOwner);

    /// <summary>FUSE_RELEASE: the last reference to the open file is gone. The result is reported to nobody, but
    /// a reply is still sent.</summary>
    Errno Release(ulong nodeId, ulong fileHandle, int flags);

    /// <summary>FUSE_OPENDIR. Choose a directory handle; <see cref="FuseOpenFlags.CacheDir"/> and
    /// <see cref="FuseOpenFlags.KeepCache"/> let the kernel cache the listing.</summary>
    Errno Opendir(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags);

    /// <summary>FUSE_READDIR: add entries from <paramref name="offset"/> (0 = start, otherwise a
    /// <c>nextOffset</c> this filesystem gave for an earlier entry) with <see cref="FuseDirectoryWriter.TryAdd"/>
    /// until it returns false (the entry did not fit and is not sent) or the listing ends.</summary>
    Errno Readdir(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer);

    /// <summary>FUSE_READDIRPLUS: like <see cref="Readdir"/> but entries carry a full <see cref="FuseEntry"/>, added
    /// with <see cref="FuseDirectoryWriter.TryAddPlus"/>. Each accepted entry with a non-zero node id other than
    /// "." and ".." counts as one lookup; an entry refused (false) does not.</summary>
    Errno Readdirplus(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer);

    /// <summary>FUSE_RELEASEDIR.</summary>
    Errno Releasedir(ulong nodeId, ulong fileHandle, int flags);

    /// <summary>FUSE_STATFS.</summary>
    Errno Statfs(ulong nodeId, out FuseStatfs statfs);

    /// <summary>FUSE_GETXATTR with the size-probe protocol: when <paramref name="value"/> is empty, set
    /// <paramref name="length"/> to the size of the value and return OK; otherwise copy the value and set
    /// <paramref name="length"/>, or return ERANGE when it does not fit. ENODATA for a missing attribute (never
    /// ENOSYS: the kernel would remember it for the whole mount).</summary>
    Errno Getxattr(ulong nodeId, ReadOnlySpan<byte> name, Span<byte> value, out int length);

    /// <summary>FUSE_LISTXATTR: NUL-terminated names one after another, with the same size-probe protocol as
    /// <see cref="Getxattr"/>.</summary>
    Errno Listxattr(ulong nodeId, Span<byte> list, out int length);

    /// <summary>FUSE_ACCESS: check R_OK/W_OK/X_OK (<paramref name="mask"/>) for the caller
    /// (<see cref="FuseRequestContext.Current"/>). Not sent when the mount uses default_permissions.</summary>
    Errno Access(ulong nodeId, int mask);
}
