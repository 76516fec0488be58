using System.Text;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Backing;

/// <summary>
/// Access to a backing directory tree (the plaintext for the reverse view, the ciphertext for a forward view) that
/// never follows a symlink and never builds a path: every object is reached with openat(O_NOFOLLOW) or statx
/// relative to a directory descriptor of its parent, and directories are reached component by component from the
/// root descriptor. A symlink swapped in for a directory while a backup runs therefore makes the access fail
/// (ENOTDIR/ELOOP) instead of leading outside the tree.
/// </summary>
/// <remarks>
/// Directory descriptors (O_PATH) are cached on the nodes, at most <see cref="CacheCapacity"/> of them
/// (least recently used evicted), and re-opened from the parent after <see cref="RevalidateAfter"/> so that a
/// directory renamed or replaced in the backing tree is seen by its name again, as with a path-based server.
/// Thread-safe.
/// </remarks>
public sealed class BackingTree : IDisposable
{
    private const Libc.OpenFlags DirPathFlags =
        Libc.OpenFlags.O_PATH | Libc.OpenFlags.O_DIRECTORY | Libc.OpenFlags.O_NOFOLLOW;

    private readonly SafeFd _rootFd;
    private readonly object _lock = new();
    private readonly LinkedList<BackingNode> _lru = new();
    private readonly long _revalidateMs;
    private bool _disposed;

    /// <summary>Opens the tree's root directory. <paramref name="rootPath"/> itself may contain symlinks (it is the
    /// user's choice); nothing below it is followed.</summary>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The root cannot be read.</exception>
    /// <exception cref="IOException">The root is not a directory, or another error.</exception>
    public BackingTree(string rootPath, int cacheCapacity = 1024, TimeSpan? revalidateAfter = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(cacheCapacity, 1);
        CacheCapacity = cacheCapacity;
        RevalidateAfter = revalidateAfter ?? TimeSpan.FromSeconds(1);
        _revalidateMs = Math.Max(0, (long)RevalidateAfter.TotalMilliseconds);
        RootPath = rootPath;

        _rootFd = OpenPath(rootPath, Libc.OpenFlags.O_PATH | Libc.OpenFlags.O_DIRECTORY, out var errno)
            ?? throw RootException(rootPath, errno);
        // The root must be listable: check with a real read-only open and one getdents call.
        using (var listing = OpenRootChecked(Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY, out errno))
        {
            if (listing is null)
            {
                _rootFd.Dispose();
                throw RootException(rootPath, errno);
            }
            Span<byte> probe = stackalloc byte[1024];
            if (Libc.Getdents64(listing, probe, out errno) < 0)
            {
                _rootFd.Dispose();
                throw RootException(rootPath, errno);
            }
        }
        errno = Libc.StatxFd(_rootFd, out var rootStat);
        if (errno != Errno.OK)
        {
            _rootFd.Dispose();
            throw RootException(rootPath, errno);
        }
        RootStat = rootStat;
    }

    /// <summary>The root path as given (for messages; never used to reach objects).</summary>
    public string RootPath { get; }

    /// <summary>Stat of the root directory when the tree was opened.</summary>
    public Libc.StatxBuffer RootStat { get; }

    /// <summary>st_dev of the root directory.</summary>
    public ulong RootDev => RootStat.Dev;

    /// <summary>The root directory's O_PATH descriptor number, open for the lifetime of the tree. Only for
    /// src/ReverseCrypt.FileSystems/Reverse until it is converted; remove then.</summary>
    public int RootFd => _rootFd.Fd;

    /// <summary>Most directory descriptors kept open at a time (besides the root).</summary>
    public int CacheCapacity { get; }

    /// <summary>Age after which a cached directory descriptor is re-opened by name.</summary>
    public TimeSpan RevalidateAfter { get; }

    /// <summary>Directory descriptors currently cached (for tests and diagnostics).</summary>
    public int CachedDirectoryCount
    {
        get
        {
            lock (_lock)
            {
                return _lru.Count;
            }
        }
    }

    /// <summary>
    /// Borrows an O_PATH descriptor of directory <paramref name="dir"/>, opening it (and missing ancestors) from the
    /// nearest cached ancestor. Fails with ENOTDIR if the object is no longer a directory (or is a symlink), ENOENT
    /// if it is gone. Dispose the lease promptly.
    /// </summary>
    public DirectoryLease AcquireDirectory(BackingNode dir, out Errno errno)
    {
        if (dir.IsRoot)
        {
            return Lease(_rootFd, out errno);
        }
        long now = Environment.TickCount64;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (IsFresh(dir, now))
            {
                Touch(dir);
                return Lease(dir.CachedFd!, out errno);
            }
        }

        // Collect the chain of ancestors without a fresh descriptor, then open it top-down.
        var chain = new List<BackingNode>();
        DirectoryLease start = default;
        for (var node = dir; ; node = node.Parent!)
        {
            if (node.IsRoot)
            {
                start = Lease(_rootFd, out errno);
                break;
            }
            lock (_lock)
            {
                if (IsFresh(node, now))
                {
                    start = Lease(node.CachedFd!, out errno);
                    break;
                }
            }
            chain.Add(node);
        }

        var current = start;
        try
        {
            for (int i = chain.Count - 1; i >= 0; i--)
            {
                var node = chain[i];
                var fd = Libc.OpenatName(current.Fd, node.BackingName, DirPathFlags, out errno);
                if (fd is null)
                {
                    return default;
                }
                current.Dispose();
                current = Install(node, fd, now);
            }
            var result = current;
            current = default;
            errno = Errno.OK;
            return result;
        }
        finally
        {
            current.Dispose();
        }
    }

    /// <summary>lstat of <paramref name="node"/> (the root: of the root descriptor).</summary>
    public Errno Stat(BackingNode node, out Libc.StatxBuffer stat)
    {
        if (node.IsRoot)
        {
            return Libc.StatxFd(_rootFd, out stat);
        }
        using var parent = AcquireDirectory(node.Parent!, out var errno);
        if (!parent.IsValid)
        {
            stat = default;
            return errno;
        }
        return Libc.StatxName(parent.Fd, node.BackingName, out stat);
    }

    /// <summary>lstat of the entry <paramref name="name"/> inside directory <paramref name="dir"/>.</summary>
    public Errno StatChild(BackingNode dir, ReadOnlySpan<byte> name, out Libc.StatxBuffer stat)
    {
        using var lease = AcquireDirectory(dir, out var errno);
        if (!lease.IsValid)
        {
            stat = default;
            return errno;
        }
        return Libc.StatxName(lease.Fd, name, out stat);
    }

    /// <summary>Opens directory <paramref name="dir"/> for getdents (O_RDONLY|O_DIRECTORY|O_NOFOLLOW, O_NOATIME when
    /// allowed). Null with <paramref name="errno"/> on failure.</summary>
    public SafeFd? OpenDirectoryForListing(BackingNode dir, out Errno errno)
    {
        const Libc.OpenFlags flags = Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY | Libc.OpenFlags.O_NOFOLLOW;
        if (dir.IsRoot)
        {
            return OpenRootChecked(flags, out errno);
        }
        using var parent = AcquireDirectory(dir.Parent!, out errno);
        if (!parent.IsValid)
        {
            return null;
        }
        return OpenatChecked(parent.Fd, dir.BackingName, flags, out errno);
    }

    /// <summary>
    /// Opens <paramref name="node"/> for reading if, and only if, it is a regular file: first with O_PATH|O_NOFOLLOW
    /// (which opens nothing: no FIFO blocks, no device driver is called), then, after statx showed a regular file,
    /// re-opened read-only through its /proc/self/fd link, which names exactly that inode. Anything else gives
    /// EACCES (docs/format.md 11.1); symlinks are never followed. <paramref name="stat"/> is the stat of the opened file.
    /// </summary>
    public SafeFd? OpenRegularFile(BackingNode node, out Libc.StatxBuffer stat, out Errno errno)
    {
        stat = default;
        if (node.IsRoot)
        {
            errno = Errno.EISDIR;
            return null;
        }
        using var parent = AcquireDirectory(node.Parent!, out errno);
        if (!parent.IsValid)
        {
            return null;
        }
        return OpenRegularFileIn(parent.Fd, node.BackingName, out stat, out errno);
    }

    /// <summary>Like <see cref="OpenRegularFile"/> for a name inside an already borrowed directory descriptor.</summary>
    /// <remarks>Raw descriptor: the directory is borrowed (a <see cref="DirectoryLease"/> keeps it open).</remarks>
    public static SafeFd? OpenRegularFileIn(int dirFd, ReadOnlySpan<byte> name, out Libc.StatxBuffer stat, out Errno errno)
    {
        stat = default;
        using var pathFd = Libc.OpenatName(dirFd, name, Libc.OpenFlags.O_PATH | Libc.OpenFlags.O_NOFOLLOW, out errno);
        if (pathFd is null)
        {
            return null;
        }
        errno = Libc.StatxFd(pathFd, out stat);
        if (errno != Errno.OK)
        {
            return null;
        }
        if (stat.FileType != 0x8000u)
        {
            errno = stat.FileType == 0x4000u ? Errno.EISDIR : Errno.EACCES;
            return null;
        }
        return ReopenReadOnly(pathFd, out errno);
    }

    /// <summary>readlink of the symlink <paramref name="node"/>; returns the target length or -1 with errno.</summary>
    public int Readlink(BackingNode node, Span<byte> target, out Errno errno)
    {
        if (node.IsRoot)
        {
            errno = Errno.EINVAL;
            return -1;
        }
        using var parent = AcquireDirectory(node.Parent!, out errno);
        if (!parent.IsValid)
        {
            return -1;
        }
        return Libc.ReadlinkatName(parent.Fd, node.BackingName, target, out errno);
    }

    /// <summary>llistxattr of <paramref name="node"/> (never following it). Empty <paramref name="list"/> asks for the size.</summary>
    public int Listxattr(BackingNode node, Span<byte> list, out Errno errno)
    {
        if (node.IsRoot)
        {
            return Libc.ListxattrAt(_rootFd, default, list, out errno);
        }
        using var parent = AcquireDirectory(node.Parent!, out errno);
        if (!parent.IsValid)
        {
            return -1;
        }
        return Libc.ListxattrNoFollow(parent.Fd, node.BackingName, list, out errno);
    }

    /// <summary>lgetxattr of <paramref name="node"/> (never following it). Empty <paramref name="value"/> asks for the size.</summary>
    public int Getxattr(BackingNode node, ReadOnlySpan<byte> attrName, Span<byte> value, out Errno errno)
    {
        if (node.IsRoot)
        {
            return Libc.GetxattrAt(_rootFd, default, attrName, value, out errno);
        }
        using var parent = AcquireDirectory(node.Parent!, out errno);
        if (!parent.IsValid)
        {
            return -1;
        }
        return Libc.GetxattrNoFollow(parent.Fd, node.BackingName, attrName, value, out errno);
    }

    /// <summary>statfs of the tree's filesystem.</summary>
    public Errno Statfs(out Libc.StatfsBuffer statfs) =>
        Libc.FstatfsFd(_rootFd, out statfs);

    /// <summary>Closes the cached descriptor of <paramref name="node"/> (the node was forgotten).</summary>
    public void Forget(BackingNode node)
    {
        lock (_lock)
        {
            Evict(node);
        }
    }

    /// <summary>
    /// Reads every entry of an open directory (from <see cref="OpenDirectoryForListing"/>) in getdents order,
    /// leaving out "." and "..". Returns OK or the errno of the failing getdents call.
    /// </summary>
    public static Errno ReadEntries(SafeFd directory, List<BackingEntry> entries)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            while (true)
            {
                int filled = Libc.Getdents64(directory, buffer, out var errno);
                if (filled < 0)
                {
                    return errno;
                }
                if (filled == 0)
                {
                    return Errno.OK;
                }
                var reader = new Libc.DirentReader(buffer.AsSpan(0, filled));
                while (reader.MoveNext())
                {
                    var name = reader.Name;
                    if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8) || name.IsEmpty)
                    {
                        continue;
                    }
                    entries.Add(new BackingEntry(name.ToArray(), reader.Type, reader.Ino));
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Opens a path given by the user (a config file, the root): follows symlinks in it.</summary>
    public static SafeFd? OpenPath(string path, Libc.OpenFlags flags, out Errno errno)
    {
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> pathZ = max <= 1024 ? stackalloc byte[1024] : new byte[max];
        int length = Encoding.UTF8.GetBytes(path, pathZ);
        pathZ[length] = 0;
        return Libc.OpenatZ(Libc.AT_FDCWD, pathZ, flags, out errno);
    }

    /// <summary>Re-opens an O_PATH descriptor read-only through /proc/self/fd (O_NOATIME when allowed).</summary>
    public static SafeFd? ReopenReadOnly(SafeFd pathFd, out Errno errno)
    {
        // The descriptor is named by its number inside a path: hold it for the call.
        using var lease = new FdLease(pathFd);
        return ReopenReadOnly(lease.Fd, out errno);
    }

    /// <inheritdoc cref="ReopenReadOnly(SafeFd, out Errno)"/>
    /// <remarks>Raw descriptor: for a directory that a lease keeps open (its cache may dispose the handle meanwhile).</remarks>
    public static SafeFd? ReopenReadOnly(int pathFd, out Errno errno)
    {
        Span<byte> procPath = stackalloc byte[32];
        "/proc/self/fd/"u8.CopyTo(procPath);
        pathFd.TryFormat(procPath[14..], out int digits, provider: System.Globalization.CultureInfo.InvariantCulture);
        procPath[14 + digits] = 0;
        var fd = Libc.OpenatZ(Libc.AT_FDCWD, procPath, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_NOATIME, out errno);
        if (fd is null && errno == Errno.EPERM)
        {
            // O_NOATIME is only allowed to the owner (or CAP_FOWNER).
            fd = Libc.OpenatZ(Libc.AT_FDCWD, procPath, Libc.OpenFlags.O_RDONLY, out errno);
        }
        return fd;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            while (_lru.First is { } first)
            {
                Evict(first.Value);
            }
        }
        _rootFd.Dispose();
    }

    /// <summary><see cref="OpenatChecked"/> of the root directory itself.</summary>
    private SafeFd? OpenRootChecked(Libc.OpenFlags flags, out Errno errno)
    {
        var fd = Libc.OpenatZ(_rootFd, ".\0"u8, flags | Libc.OpenFlags.O_NOATIME, out errno);
        if (fd is null && errno == Errno.EPERM)
        {
            fd = Libc.OpenatZ(_rootFd, ".\0"u8, flags, out errno);
        }
        return fd;
    }

    // openat with O_NOATIME first (no atime updates on the backing tree), without it on EPERM. Raw dirfd: the
    // directory is borrowed (a DirectoryLease keeps it open while the cache may dispose its handle).
    private static SafeFd? OpenatChecked(int dirFd, ReadOnlySpan<byte> name, Libc.OpenFlags flags, out Errno errno)
    {
        SafeFd? fd;
        if (name.SequenceEqual("."u8))
        {
            fd = OpenDot(dirFd, flags | Libc.OpenFlags.O_NOATIME, out errno);
            if (fd is null && errno == Errno.EPERM)
            {
                fd = OpenDot(dirFd, flags, out errno);
            }
            return fd;
        }
        fd = Libc.OpenatName(dirFd, name, flags | Libc.OpenFlags.O_NOATIME, out errno);
        if (fd is null && errno == Errno.EPERM)
        {
            fd = Libc.OpenatName(dirFd, name, flags, out errno);
        }
        return fd;
    }

    private static SafeFd? OpenDot(int dirFd, Libc.OpenFlags flags, out Errno errno) =>
        Libc.OpenatZ(dirFd, ".\0"u8, flags, out errno);

    private static DirectoryLease Lease(SafeFd fd, out Errno errno)
    {
        errno = Errno.OK;
        return new DirectoryLease(new FdLease(fd));
    }

    // Caller holds _lock.
    private bool IsFresh(BackingNode node, long now) =>
        node.CachedFd is not null && now - node.CachedAtMs < _revalidateMs;

    // Caller holds _lock.
    private void Touch(BackingNode node)
    {
        if (node.LruEntry is { } entry && entry != _lru.First)
        {
            _lru.Remove(entry);
            _lru.AddFirst(entry);
        }
    }

    // Caller holds _lock.
    private void Evict(BackingNode node)
    {
        if (node.LruEntry is { } entry)
        {
            _lru.Remove(entry);
            node.LruEntry = null;
        }
        node.CachedFd?.Dispose();
        node.CachedFd = null;
    }

    // Stores a freshly opened descriptor on the node (replacing an older one) and leases the one now cached.
    private DirectoryLease Install(BackingNode node, SafeFd fd, long now)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                fd.Dispose();
                throw new ObjectDisposedException(nameof(BackingTree));
            }
            if (IsFresh(node, now))
            {
                // Another thread was quicker: keep its descriptor.
                fd.Dispose();
                Touch(node);
                return Lease(node.CachedFd!, out _);
            }
            Evict(node);
            node.CachedFd = fd;
            node.CachedAtMs = now;
            node.LruEntry = _lru.AddFirst(node);
            while (_lru.Count > CacheCapacity)
            {
                Evict(_lru.Last!.Value);
            }
            return Lease(fd, out _);
        }
    }

    private static Exception RootException(string rootPath, Errno errno) => errno switch
    {
        Errno.ENOENT => new DirectoryNotFoundException($"{rootPath}: no such directory"),
        Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException($"{rootPath}: permission denied"),
        Errno.ENOTDIR => new IOException($"{rootPath}: not a directory"),
        _ => new IOException($"{rootPath}: cannot open ({Libc.Describe(errno)})"),
    };
}
