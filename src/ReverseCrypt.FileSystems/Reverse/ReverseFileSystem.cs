// The reverse view: a read-only, gocryptfs-identical encrypted view of a live plaintext tree (docs/format.md, all
// sections; section 18 for ReverseCrypt's own choices). Split by operation family into partial files; what differs
// per kind of node or open file lives on its type (RealNode, DirIvNode, LongNameFileNode, ConfigNode; ContentFile,
// PassThroughFile, MemoryFile). The names follow the forward view's (OpenFile, OpenDirectory).
using Microsoft.Extensions.Logging;
using ReverseCrypt.FileSystems.Backing;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Content;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// The encrypting filesystem of <c>reversecrypt mount --reverse</c>: serves, for every object of the plaintext
/// tree, its encrypted name, contents, symlink target and xattrs, plus the virtual <c>gocryptfs.diriv</c>,
/// <c>gocryptfs.longname.*.name</c> and <c>gocryptfs.conf</c> files, byte for byte as <c>gocryptfs -reverse</c>.
/// </summary>
/// <remarks>
/// <para>Create it, mount it with the FUSE library (it implements <see cref="IFuseFileSystem"/>), dispose it after
/// the session ended. The caller keeps ownership of the <see cref="CryptoCore"/>.</para>
/// <para>Every plaintext access goes through <see cref="BackingTree"/> (openat with O_NOFOLLOW from directory
/// descriptors; names are bytes). Attributes are re-read from the plaintext on every request; the kernel caches them
/// for <see cref="ReverseOptions.AttrTimeout"/>.</para>
/// </remarks>
public sealed partial class ReverseFileSystem : FuseFileSystemBase, IDisposable
{
    private const uint S_IFMT = FuseConstants.S_IFMT, S_IFREG = FuseConstants.S_IFREG, S_IFDIR = FuseConstants.S_IFDIR,
        S_IFLNK = FuseConstants.S_IFLNK;

    private readonly ReverseOptions _options;
    private readonly FormatOptions _format;
    private readonly BackingTree _tree;
    private readonly ReverseNodeTable _nodes;
    private readonly InodeMap _inodes;
    private readonly HandleTable<OpenFile> _files = new();
    private readonly HandleTable<OpenDirectory> _dirs = new();
    private readonly NameTransform? _names;
    private readonly SymlinkTransform _symlinks;
    private readonly XattrTransform? _xattrs;
    private readonly ContentCipher _content;
    private readonly ExcludeMatcher? _exclude;
    private readonly ILogger _log;
    private readonly TimeSpan _timeout;
    private readonly bool _encryptNames;
    private readonly bool _dirIvFiles;
    private readonly ConfigShown _configShown;
    private readonly bool _inTreeConfigReserved;
    private readonly string? _externalConfigPath;
    private readonly object _warnLock = new();
    private readonly HashSet<(ulong Dev, ulong Ino)> _warnedUnreadable = [];
    private readonly HashSet<(ulong Dev, ulong Ino, int AttrHash)> _warnedXattr = [];
    private int _maxRead = 128 * 1024;
    private bool _disposed;

    /// <summary>Opens the plaintext root and prepares the view.</summary>
    /// <exception cref="DirectoryNotFoundException">PLAINDIR does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">PLAINDIR cannot be read.</exception>
    /// <exception cref="IOException">PLAINDIR is not a directory, or cannot be opened.</exception>
    public ReverseFileSystem(ReverseOptions options, CryptoCore core)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(core);
        _options = options;
        _format = core.Options;
        _log = options.Logger;
        _timeout = options.AttrTimeout < TimeSpan.Zero ? TimeSpan.Zero : options.AttrTimeout;
        _encryptNames = !_format.PlaintextNames;
        _dirIvFiles = _encryptNames && _format.DirIv;
        _names = _encryptNames ? new NameTransform(core) : null;
        _symlinks = new SymlinkTransform(core);
        _xattrs = core.NameCipher is null ? null : new XattrTransform(core);
        _content = new ContentCipher(core.ContentSiv);
        _exclude = options.Exclude is { IsEmpty: false } matcher ? matcher : null;

        _tree = new BackingTree(options.PlainRoot, revalidateAfter: _timeout);
        _nodes = new ReverseNodeTable(_tree.Forget, options.MemoryReleased);
        try
        {
            _inodes = new InodeMap(_tree.RootDev);
            (_configShown, _inTreeConfigReserved, _externalConfigPath) = ConfigNode.Decide(options, _tree);
        }
        catch
        {
            _tree.Dispose();
            throw;
        }
        ReverseLog.ViewCreated(_log, options.PlainRoot, _tree.RootDev);
    }

    /// <summary>The plaintext tree access (for tests and diagnostics).</summary>
    public BackingTree Tree => _tree;

    /// <summary>Nodes the kernel currently holds, the root included.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>Chunks of node slots allocated (for tests and diagnostics: falls when the kernel forgets).</summary>
    public int NodeChunkCount => _nodes.ChunkCount;

    /// <summary>Open files and directories.</summary>
    public int OpenHandleCount => _files.Count + _dirs.Count;

    internal ILogger Log => _log;

    /// <summary>The content encryption the open files use.</summary>
    internal ContentCipher ContentCipher => _content;

    /// <summary>The largest READ the kernel sends (set at INIT).</summary>
    internal int MaxRead => _maxRead;

    /// <summary>Inode numbers of the view.</summary>
    internal InodeMap Inodes => _inodes;

    /// <summary>True when every directory shows a gocryptfs.diriv (names encrypted, with DirIV).</summary>
    internal bool DirIvFiles => _dirIvFiles;

    internal ConfigShown ConfigShown => _configShown;

    /// <summary>The config file shown as gocryptfs.conf when it is outside the tree (null: in the tree, or none).</summary>
    internal string? ExternalConfigPath => _externalConfigPath;

    /// <summary>Records the state an attribute reply tells the kernel for a regular file's node.</summary>
    internal void NoteReported(ulong nodeId, ReportedState state) => _nodes.NoteReported(nodeId, state);

    public override Errno Init(FuseConnectionInfo connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.MaxPages > 0)
        {
            _maxRead = Math.Max(_maxRead, connection.MaxPages * 4096);
        }
        return Errno.OK;
    }

    public override void Destroy() =>
        ReverseLog.Destroyed(_log, _nodes.Count, OpenHandleCount, ListingsAdopted, ListingsPrefetched);

    // FLUSH is left to the base (ENOSYS): the view has nothing to do at close, and the kernel stops sending FLUSH
    // after the first ENOSYS, one round trip less per file copied (docs/benchmarks.md, "Round trips per file").

    public override Errno Statfs(ulong nodeId, out FuseStatfs statfs)
    {
        statfs = default;
        var errno = _tree.Statfs(out var st);
        if (errno != Errno.OK)
        {
            return errno;
        }
        statfs = FuseMapping.FromStatfs(st);
        return Errno.OK;
    }

    public override Errno Access(ulong nodeId, int mask)
    {
        const int W_OK = 2, R_OK = 4, X_OK = 1;
        if ((mask & W_OK) != 0)
        {
            return Errno.EROFS;
        }
        var node = _nodes.Get(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        var errno = AttrOf(node, out var attr);
        if (errno != Errno.OK || (mask & (R_OK | X_OK)) == 0)
        {
            return errno;
        }
        return FuseMapping.CheckMode(attr, mask);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        lock (_prefetched)
        {
            _disposed = true;
        }
        DiscardPrefetched();
        foreach (var file in _files.RemoveAll())
        {
            file.Dispose();
        }
        foreach (var dir in _dirs.RemoveAll())
        {
            // Under its lock: a pool thread may still be listing ahead on it.
            Discard(dir);
        }
        _nodes.Dispose();
        _tree.Dispose();
    }

    private ReverseNode? DirectoryNode(ulong nodeId, out Errno errno)
    {
        var node = _nodes.Get(nodeId);
        if (node is null)
        {
            errno = Errno.ENOENT;
            return null;
        }
        if (!node.CanBeDirectory)
        {
            errno = Errno.ENOTDIR;
            return null;
        }
        errno = Errno.OK;
        return node;
    }

    /// <summary>The directory IV of a view directory: PathIV(cipher path, DIRIV), or zeros without DirIV.</summary>
    internal byte[] DirIvOf(ReverseNode dir)
    {
        var iv = dir.DirIvCache;
        if (iv is not null)
        {
            return iv;
        }
        iv = new byte[PathIv.Size];
        if (_format.DirIv)
        {
            PathIv.Compute(CipherPathOf(dir), PathIvPurpose.DirIv, iv);
        }
        dir.DirIvCache = iv;
        return iv;
    }

    /// <summary>The name of <paramref name="node"/> in the view (hashed for long names), derived from its plaintext name
    /// and cached on the node object.</summary>
    private byte[] CipherNameOf(ReverseNode node)
    {
        var cached = node.CipherNameCache;
        if (cached is not null)
        {
            return cached;
        }
        var name = node.MakeCipherName(this);
        node.CipherNameCache = name;
        return name;
    }

    /// <summary>The view name of a real object or, with <paramref name="dotNameFile"/>, of the .name file of a
    /// long-named one: its plaintext name encrypted (hashed when long; the full name is kept on the node), or the
    /// plaintext name itself when names are not encrypted.</summary>
    internal byte[] EncryptNodeName(ReverseNode node, bool dotNameFile)
    {
        if (_names is null)
        {
            return node.PlainName;
        }
        Span<byte> full = stackalloc byte[NameTransform.MaxCipherNameLength];
        Span<byte> visible = stackalloc byte[NameTransform.MaxCipherNameLength + NameTransform.LongNameSuffix.Length];
        bool isLong = EncryptEntryName(node.PlainName, DirIvOf(node.ViewParent!), full, visible, out int fullLength,
            out int visibleLength);
        if (isLong)
        {
            node.FullCipherNameCache = full[..fullLength].ToArray();
        }
        if (dotNameFile)
        {
            NameTransform.LongNameSuffix.CopyTo(visible[visibleLength..]);
            visibleLength += NameTransform.LongNameSuffix.Length;
        }
        return visible[..visibleLength].ToArray();
    }

    /// <summary>The full, unhashed encrypted name of a long-named object or of the object a .name file describes;
    /// null for a short name.</summary>
    internal byte[]? FullCipherNameOf(ReverseNode node)
    {
        if (node.FullCipherNameCache is null)
        {
            CipherNameOf(node);
        }
        return node.FullCipherNameCache;
    }

    /// <summary>The cipher path of <paramref name="node"/> (docs/format.md 1): the view names from the root joined by '/',
    /// the root's is empty. Cached on the node object (directories keep theirs).</summary>
    private byte[] CipherPathOf(ReverseNode node)
    {
        var cached = node.CipherPathCache;
        if (cached is not null)
        {
            return cached;
        }
        var path = BytePath.Join(CipherPathOf(node.ViewParent!), CipherNameOf(node));
        node.CipherPathCache = path;
        return path;
    }

    /// <summary>
    /// The view name of a plaintext entry: <paramref name="visible"/> gets the listed name (the hashed
    /// gocryptfs.longname.* for long names), <paramref name="full"/> the full encrypted name. Returns true for a
    /// long (hashed) name. Buffers: at least <see cref="NameTransform.MaxCipherNameLength"/> bytes each.
    /// </summary>
    private bool EncryptEntryName(ReadOnlySpan<byte> plainName, byte[] dirIv, Span<byte> full, Span<byte> visible,
        out int fullLength, out int visibleLength)
    {
        if (_names is null)
        {
            plainName.CopyTo(visible);
            visibleLength = plainName.Length;
            fullLength = 0;
            return false;
        }
        fullLength = _names.EncryptName(plainName, dirIv, full);
        if (_names.IsLongName(fullLength))
        {
            visibleLength = _names.HashLongName(full[..fullLength], visible);
            return true;
        }
        full[..fullLength].CopyTo(visible);
        visibleLength = fullLength;
        return false;
    }

    /// <summary>True when the root entry <paramref name="plainName"/> is the config file that the view shows only as
    /// gocryptfs.conf (or hides).</summary>
    private bool IsReservedRootEntry(ReverseNode dir, ReadOnlySpan<byte> plainName)
    {
        if (!dir.IsRoot)
        {
            return false;
        }
        if (_inTreeConfigReserved && plainName.SequenceEqual(NameTransform.ReverseConfFileName))
        {
            return true;
        }
        // With plaintext names a real "gocryptfs.conf" would collide with the config's name.
        return !_encryptNames && _configShown != ConfigShown.None && plainName.SequenceEqual(NameTransform.ConfFileName);
    }

    /// <summary>The plaintext path (relative, '/'-separated) of <paramref name="plainName"/> in <paramref name="dir"/>.</summary>
    private static byte[] PlainPathOf(ReverseNode dir, ReadOnlySpan<byte> plainName)
    {
        int length = plainName.Length;
        for (var n = dir; n is not null && !n.IsRoot; n = n.ViewParent)
        {
            length += n.PlainName.Length + 1;
        }
        var path = new byte[length];
        int end = length - plainName.Length;
        plainName.CopyTo(path.AsSpan(end));
        for (var n = dir; n is not null && !n.IsRoot; n = n.ViewParent)
        {
            path[--end] = (byte)'/';
            end -= n.PlainName.Length;
            n.PlainName.CopyTo(path.AsSpan(end));
        }
        return path;
    }

    private bool IsExcluded(ReverseNode dir, ReadOnlySpan<byte> plainName, bool isDirectory) =>
        _exclude is not null && _exclude.IsExcluded(PlainPathOf(dir, plainName), isDirectory);

    /// <summary>A printable plaintext path for the warnings that must name the user's file.</summary>
    internal string DisplayPath(ReverseNode dir, ReadOnlySpan<byte> plainName) =>
        Path.Join(_tree.RootPath, System.Text.Encoding.UTF8.GetString(PlainPathOf(dir, plainName)));

    private static string Printable(ReadOnlySpan<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}
