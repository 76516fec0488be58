// The read-only plaintext view of an encrypted tree (forward mode, docs/format.md section 13).
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Forward;

/// <summary>
/// Serves the plaintext of an encrypted tree (a copy of a reverse view, or a gocryptfs AES-SIV filesystem) read-only
/// over FUSE: names, long names, contents, symlinks, xattrs and ACLs, special files, owners, modes, times, hard links
/// (the cipher inode numbers are shown) and plaintext sizes. Every byte of the tree is untrusted: a damaged object
/// answers EIO (logged once) and everything else is served; no unauthenticated content byte is ever returned.
/// </summary>
/// <remarks>
/// Objects are reached as names inside directory descriptors (never a path, never following a symlink of the tree).
/// Directory descriptors (O_PATH) are cached on the nodes, at most <see cref="ForwardOptions.DirectoryCacheCapacity"/>.
/// The core is borrowed: dispose it after this filesystem.
/// </remarks>
public sealed partial class ForwardFileSystem : FuseFileSystemBase, IDisposable
{
    private const int MaxLoggedProblems = 100_000;

    private readonly ForwardOptions _options;
    private readonly CipherTree _tree;
    private readonly ILogger _logger;
    private readonly SafeFd? _rootPathFd;
    private readonly ICipherStore? _store;
    private readonly ulong _rootDev;
    private readonly ForwardNode _root;
    private readonly Lock _nodeLock = new();
    private readonly Dictionary<ulong, ForwardNode> _nodes = [];
    private readonly Lock _fdLock = new();
    private readonly LinkedList<ForwardNode> _lru = new();
    private readonly HandleTable<object> _handles = new();
    private readonly ConcurrentDictionary<string, byte> _logged = new(StringComparer.Ordinal);
    private long _nextNodeId = (long)FuseConstants.RootNodeId;
    private int _disposed;

    /// <summary>Opens the encrypted tree. Throws DirectoryNotFoundException / UnauthorizedAccessException /
    /// IOException when it cannot be opened, <see cref="WrongKeyException"/> when nothing in its root decrypts.</summary>
    public ForwardFileSystem(ForwardOptions options, CryptoCore core, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(core);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DirectoryCacheCapacity, 1);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _tree = new CipherTree(options.CipherDir, core);
        try
        {
            _tree.CheckKey();
        }
        catch
        {
            _tree.Dispose();
            throw;
        }
        var rootFd = CipherIo.ReopenDirectory(_tree.RootFd, out var errno);
        if (rootFd is null)
        {
            _tree.Dispose();
            throw new IOException($"{options.CipherDir}: {Libc.Describe(errno)}");
        }
        _rootPathFd = rootFd;
        Libc.StatxFd(_rootPathFd, out var rootStat);
        _rootDev = rootStat.Dev;
        _root = new ForwardNode(FuseConstants.RootNodeId) { LookupCount = 1 };
        _nodes.Add(_root.NodeId, _root);
        ForwardLog.ViewCreated(_logger, options.CipherDir, _rootDev);
    }

    /// <summary>
    /// The view of an encrypted tree behind <paramref name="store"/> (a remote snapshot over SFTP):
    /// <see cref="ForwardOptions.CipherDir"/> only names it. The store is borrowed. Throws
    /// <see cref="WrongKeyException"/> when nothing in its root decrypts, IOException when the root cannot be read.
    /// </summary>
    public ForwardFileSystem(ForwardOptions options, ICipherStore store, CryptoCore core, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(core);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _store = store;
        _tree = new CipherTree(store, options.CipherDir, core);
        var errno = store.Stat([], out var rootStat);
        if (errno != Errno.OK)
        {
            throw new IOException($"{options.CipherDir}: {Libc.Describe(errno)}");
        }
        if (rootStat.FileType != CipherIo.S_IFDIR)
        {
            throw new IOException($"{options.CipherDir}: not a directory");
        }
        _tree.CheckKey();
        _rootDev = rootStat.Dev;
        _root = new ForwardNode(FuseConstants.RootNodeId) { LookupCount = 1 };
        _nodes.Add(_root.NodeId, _root);
        ForwardLog.ViewCreated(_logger, options.CipherDir, _rootDev);
    }

    /// <summary>The format options of the tree (from the config or the command line).</summary>
    public FormatOptions Format => _tree.Options;

    private TimeSpan Timeout => _options.CacheTimeout;

    public override void Destroy()
    {
        foreach (var handle in _handles.RemoveAll())
        {
            if (handle is OpenFile file)
            {
                file.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Destroy();
        lock (_fdLock)
        {
            foreach (var node in _lru)
            {
                node.DirFd?.Dispose();
                node.DirFd = null;
                node.LruEntry = null;
            }
            _lru.Clear();
        }
        _rootPathFd?.Dispose();
        _tree.Dispose();
    }

    private ForwardNode? GetNode(ulong nodeId)
    {
        lock (_nodeLock)
        {
            return _nodes.GetValueOrDefault(nodeId);
        }
    }

    /// <summary>The child node for an entry (created on first use); adds one lookup reference when
    /// <paramref name="addLookup"/>.</summary>
    private ForwardNode GetOrAddChild(ForwardNode parent, byte[] cipherName, byte[] plainName, uint type, bool addLookup)
    {
        lock (_nodeLock)
        {
            parent.Children ??= new Dictionary<byte[], ForwardNode>(ByteArrayComparer.Instance);
            if (!parent.Children.TryGetValue(plainName, out var node) || node.Type != type
                || !node.CipherName.AsSpan().SequenceEqual(cipherName))
            {
                if (node is not null)
                {
                    parent.Children.Remove(plainName); // replaced in the tree: the old node lives on until forgotten
                }
                node = new ForwardNode((ulong)Interlocked.Increment(ref _nextNodeId), parent, cipherName, plainName, type);
                parent.Children.Add(plainName, node);
                _nodes.Add(node.NodeId, node);
            }
            if (addLookup)
            {
                node.LookupCount++;
            }
            return node;
        }
    }

    public override void Forget(ulong nodeId, ulong nlookup)
    {
        if (nodeId == FuseConstants.RootNodeId)
        {
            return;
        }
        ForwardNode? removed = null;
        lock (_nodeLock)
        {
            if (!_nodes.TryGetValue(nodeId, out var node))
            {
                return;
            }
            node.LookupCount -= (long)Math.Min(nlookup, long.MaxValue);
            if (node.LookupCount <= 0)
            {
                _nodes.Remove(nodeId);
                node.Removed = true;
                if (node.Parent?.Children is { } siblings && siblings.TryGetValue(node.PlainName, out var current)
                    && ReferenceEquals(current, node))
                {
                    siblings.Remove(node.PlainName);
                }
                removed = node;
            }
        }
        if (removed is not null)
        {
            DropDirFd(removed);
        }
    }

    /// <summary>Logs a damaged object once (Error level: it names the file so the user can act).</summary>
    private void LogDamage(byte[] cipherPath, byte[] plainPath, string problem)
    {
        var key = BytePath.Display(cipherPath) + "\0" + problem;
        if (_logged.Count < MaxLoggedProblems && _logged.TryAdd(key, 0))
        {
            ForwardLog.Damaged(_logger, BytePath.Display(cipherPath), BytePath.Display(plainPath), problem);
        }
    }

    private void LogProblems(IEnumerable<CipherProblem> problems)
    {
        foreach (var problem in problems)
        {
            var key = problem.ToString();
            if (_logged.Count < MaxLoggedProblems && _logged.TryAdd(key, 0))
            {
                ForwardLog.DirectoryProblem(_logger, key);
            }
        }
    }

    private ulong MapIno(in Libc.StatxBuffer stat)
    {
        if (stat.Dev == _rootDev)
        {
            return stat.Ino;
        }
        // Another filesystem inside the copy: keep inode numbers distinct per device.
        ulong mix = unchecked(stat.Dev * 0x9E3779B97F4A7C15UL);
        return stat.Ino ^ ((mix >> 49 | 1) << 48);
    }
}
