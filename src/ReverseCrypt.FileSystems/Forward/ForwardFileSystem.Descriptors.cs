using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Forward;

public sealed partial class ForwardFileSystem
{
    private const Libc.OpenFlags DirPathFlags = Libc.OpenFlags.O_PATH | Libc.OpenFlags.O_DIRECTORY | Libc.OpenFlags.O_NOFOLLOW;

    /// <summary>A borrowed directory descriptor; the descriptor stays open until disposed even if the cache evicts it.
    /// Over a store (remote tree) it holds no descriptor, only the directory's cipher path. The cache may dispose the
    /// handle meanwhile, after which the handle takes no new reference: so the lease works with the number
    /// (<see cref="CipherDir(int)"/>), which its own reference keeps valid.</summary>
    private readonly struct DirLease : IDisposable
    {
        private readonly FdLease _lease;

        public DirLease(SafeFd fd)
        {
            _lease = new FdLease(fd);
            Dir = new CipherDir(_lease.Fd);
        }

        public DirLease(CipherDir storeDir)
        {
            Dir = storeDir;
        }

        public int Fd => _lease.Fd;

        /// <summary>The directory for the CipherTree / CipherDir calls.</summary>
        public CipherDir Dir { get; }

        // The field is readonly, so this disposes a copy: the reference is released once, as before.
        public void Dispose() => _lease.Dispose();
    }

    /// <summary>
    /// A descriptor of the cipher directory of <paramref name="dir"/>: from the cache, or opened component by
    /// component (O_PATH, O_NOFOLLOW) from the nearest cached ancestor. ENOTDIR / ENOENT / ELOOP when the tree
    /// changed under us.
    /// </summary>
    private Errno AcquireDir(ForwardNode dir, out DirLease lease)
    {
        lease = default;
        if (!dir.IsDirectory)
        {
            return Errno.ENOTDIR;
        }
        if (_store is not null)
        {
            lease = new DirLease(new CipherDir(_store, dir.CipherPath));
            return Errno.OK;
        }
        var chain = new List<ForwardNode>();
        DirLease current = default;
        lock (_fdLock)
        {
            for (var node = dir; ; node = node.Parent!)
            {
                if (node.IsRoot)
                {
                    current = new DirLease(_rootPathFd!);
                    break;
                }
                if (node.DirFd is { } cached)
                {
                    Touch(node);
                    current = new DirLease(cached);
                    break;
                }
                chain.Add(node);
            }
        }
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            var node = chain[i];
            var fd = Libc.OpenatName(current.Fd, node.CipherName, DirPathFlags, out var errno);
            current.Dispose();
            if (fd is null)
            {
                return errno;
            }
            current = new DirLease(fd);
            Cache(node, fd);
        }
        lease = current;
        return Errno.OK;
    }

    /// <summary>Caches a new descriptor on <paramref name="node"/> (closing an older one), evicting the least recently
    /// used beyond the capacity. The cache holds one reference; leases hold their own.</summary>
    private void Cache(ForwardNode node, SafeFd fd)
    {
        List<SafeFd>? evicted = null;
        lock (_fdLock)
        {
            if (node.Removed)
            {
                (evicted ??= []).Add(fd);
            }
            else
            {
                if (node.DirFd is { } old)
                {
                    (evicted ??= []).Add(old);
                    _lru.Remove(node.LruEntry!);
                }
                node.DirFd = fd;
                node.LruEntry = _lru.AddFirst(node);
                while (_lru.Count > _options.DirectoryCacheCapacity)
                {
                    var last = _lru.Last!.Value;
                    _lru.RemoveLast();
                    (evicted ??= []).Add(last.DirFd!);
                    last.DirFd = null;
                    last.LruEntry = null;
                }
            }
        }
        if (evicted is not null)
        {
            foreach (var stale in evicted)
            {
                stale.Dispose(); // closes once the last lease is released
            }
        }
    }

    // Caller holds _fdLock.
    private void Touch(ForwardNode node)
    {
        if (node.LruEntry is { } entry && entry != _lru.First)
        {
            _lru.Remove(entry);
            _lru.AddFirst(entry);
        }
    }

    private void DropDirFd(ForwardNode node)
    {
        SafeFd? fd;
        lock (_fdLock)
        {
            fd = node.DirFd;
            if (fd is not null)
            {
                _lru.Remove(node.LruEntry!);
                node.DirFd = null;
                node.LruEntry = null;
            }
        }
        fd?.Dispose();
    }

    /// <summary>
    /// The parent directory of <paramref name="node"/> plus the node's name in it, for *at calls on the node itself.
    /// For the root: the root directory and an empty name (helpers treat an empty name as "the directory itself").
    /// </summary>
    private Errno AcquireParent(ForwardNode node, out DirLease lease) =>
        node.IsRoot ? AcquireDir(node, out lease) : AcquireDir(node.Parent!, out lease);
}
