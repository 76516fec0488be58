// Offline restore of an encrypted tree (docs/format.md 13): re-creates the plaintext tree in a target directory with
// *at syscalls relative to directory descriptors, never following a symlink on either side.
using System.Diagnostics;
using ReverseCrypt.Format;
using ReverseCrypt.Interop;
using ReverseCrypt.Operations.Check;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Restore;

/// <summary>
/// Restores an encrypted tree (or parts of it, <see cref="RestoreOptions.Paths"/>) into a plaintext directory:
/// regular files (all-zero 4 KiB blocks left as holes), directories, symlinks, hard links, sockets, FIFOs and device
/// nodes (these two only with <see cref="RestoreOptions.Devices"/>), owners (as root), modes incl. setuid, nanosecond
/// times (directories last), xattrs and ACLs. Every setuid/setgid file, device node and FIFO it leaves in the target
/// is listed in <see cref="RestoreResult.Sensitive"/>.
/// </summary>
/// <remarks>
/// <para>One thread walks the tree and creates directories, symlinks and special files; a pool of
/// <see cref="RestoreOptions.Workers"/> threads decrypts and writes file contents in chunks of 1 MiB, so a single
/// large file also uses every core.</para>
/// <para>Files are written into an unnamed O_TMPFILE inode and linked under their name only when complete (content,
/// owner, mode, xattrs, times). An interrupted restore therefore leaves no partial files, and a re-run skips every
/// file that already exists with the same size and mtime ("complete"). Without O_TMPFILE support in the target
/// filesystem, files are written under their final name; a re-run then needs --overwrite for the interrupted one.</para>
/// <para>Existing entries: directories are merged into; anything else is replaced only with
/// <see cref="RestoreOptions.Overwrite"/> (a complete file is left alone either way); a directory is never replaced
/// by a non-directory.</para>
/// </remarks>
public sealed partial class Restorer
{
    /// <summary>Deepest directory nesting followed (each level holds two descriptors while it is walked).</summary>
    public const int MaxDepth = 2048;

    /// <summary>Plaintext blocks per content job (1 MiB).</summary>
    internal const int ChunkBlocks = 256;

    private readonly RestoreOptions _options;
    private readonly CipherTree _tree;
    private readonly bool _restoreOwners;
    private readonly Lock _reportLock = new();
    private readonly List<RestoreFailure> _failures = [];
    private readonly List<CipherProblem> _damage = [];
    private readonly List<string> _warnings = [];
    private readonly List<SensitiveEntry> _sensitive = [];
    private readonly Dictionary<(ulong Dev, ulong Ino), LinkRecord> _links = [];
    private readonly RestoreCounts _counts = new();
    private readonly CancellationToken _cancellation;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private WorkerPool<FileChunk>? _pool;
    private readonly WorkerBuffers _buffers;
    private List<byte[]> _selected = [];
    private long _objectsDone;
    private long _objectsTotal = -1;
    private long _bytesTotal = -1;
    private SafeFd? _targetRoot;

    private Restorer(RestoreOptions options, CipherTree tree, CancellationToken cancellation)
    {
        _options = options;
        _tree = tree;
        _cancellation = cancellation;
        _restoreOwners = Libc.Geteuid() == 0;
        _buffers = new WorkerBuffers(options.Workers, ChunkBlocks);
    }

    /// <summary>
    /// Runs a restore. Damage and target errors are collected in the result (the restore goes on with everything
    /// else). Throws before doing anything when the cipher directory or the target cannot be opened
    /// (DirectoryNotFoundException, UnauthorizedAccessException, IOException) or the key does not fit the tree
    /// (<see cref="WrongKeyException"/>).
    /// </summary>
    public static RestoreResult Run(RestoreOptions options, CryptoCore core, IProgress<RestoreProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var tree = TreeJob.OpenTree(options.CipherDir, core, options.Workers, nameof(options));
        var restorer = new Restorer(options, tree, cancellation);
        return restorer.Execute(progress);
    }

    private RestoreResult Execute(IProgress<RestoreProgress>? progress)
    {
        if (!_options.DryRun)
        {
            var targetPath = RealPath.Of(_options.Target);
            var cipherPath = RealPath.Of(_tree.RootFd);
            if (targetPath is not null && cipherPath is not null
                && (targetPath == cipherPath || targetPath.StartsWith(cipherPath.TrimEnd('/') + "/", StringComparison.Ordinal)))
            {
                throw new IOException($"{_options.Target}: the target is inside the encrypted tree {_options.CipherDir}");
            }
            _targetRoot = OpenTargetRoot(_options.Target);
        }
        if (!_restoreOwners && !_options.DryRun)
        {
            Warn("not running as root: owners (uid/gid) are not restored");
        }
        int workers = _options.Workers;
        using var ticker = TreeJob.StartProgress(progress, () => Snapshot(false), _options.ProgressInterval);
        try
        {
            _selected = NormalizeSelectedPaths();
            if (_options.EstimateTotals)
            {
                EstimateTotals();
            }
            _pool = new WorkerPool<FileChunk>(workers, workers * 8, ProcessChunk, "restore");
            try
            {
                if (_options.Paths.Count == 0)
                {
                    RestoreAll();
                }
                else
                {
                    RestoreSelected();
                }
            }
            finally
            {
                _pool.Complete();
            }
        }
        finally
        {
            _targetRoot?.Dispose();
        }
        SensitiveEntry.Sort(_sensitive);
        var result = new RestoreResult(_counts, Sorted(_failures), _damage, _warnings, _sensitive, _cancellation.IsCancellationRequested,
            _clock.Elapsed);
        ticker.Finish(Snapshot(true));
        return result;
    }

    private static List<RestoreFailure> Sorted(List<RestoreFailure> failures)
    {
        failures.Sort((a, b) => (a.PlainPath ?? a.CipherPath ?? []).AsSpan().SequenceCompareTo(b.PlainPath ?? b.CipherPath ?? []));
        return failures;
    }

    private RestoreProgress Snapshot(bool finished)
    {
        var elapsed = _clock.Elapsed;
        long bytes = Interlocked.Read(ref _counts.Bytes);
        long bytesTotal = Interlocked.Read(ref _bytesTotal);
        var (rate, eta) = TreeJob.Rate(bytes, bytesTotal, elapsed, finished);
        int failures;
        lock (_reportLock)
        {
            failures = _failures.Count;
        }
        return new RestoreProgress(Interlocked.Read(ref _objectsDone), Interlocked.Read(ref _objectsTotal), bytes, bytesTotal,
            failures, elapsed, rate, eta, finished);
    }

    private static SafeFd OpenTargetRoot(string target)
    {
        Directory.CreateDirectory(target);
        var fd = CipherIo.OpenRootDirectory(target, out var errno);
        return fd ?? throw errno switch
        {
            Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException($"{target}: {Libc.Describe(errno)}"),
            _ => new IOException($"{target}: {Libc.Describe(errno)}"),
        };
    }

    internal void Warn(string warning)
    {
        lock (_reportLock)
        {
            _warnings.Add(warning);
        }
    }

    internal void Fail(RestoreFailureKind kind, byte[]? plainPath, byte[]? cipherPath, string reason, CipherProblem? problem = null)
    {
        lock (_reportLock)
        {
            _failures.Add(new RestoreFailure(kind, plainPath, cipherPath, reason, problem));
            if (problem is not null)
            {
                _damage.Add(problem);
            }
        }
    }

    /// <summary>Lists a setuid/setgid file, device node or FIFO now in the target (any thread); others are ignored.</summary>
    internal void NoteSensitive(byte[] plainPath, in Libc.StatxBuffer stat)
    {
        if (!SensitiveEntry.IsSensitive(stat.Mode))
        {
            return;
        }
        var entry = new SensitiveEntry(plainPath, stat.Mode, stat.Uid, stat.Gid, stat.RdevMajor, stat.RdevMinor);
        lock (_reportLock)
        {
            _sensitive.Add(entry);
        }
    }

    /// <summary>Records damage; the ones that lose data are also failures of the object.</summary>
    private void Damage(CipherProblem problem)
    {
        if (problem.LosesData)
        {
            Fail(RestoreFailureKind.Damaged, problem.PlainPath, problem.CipherPath, $"{problem.Kind}: {problem.Detail}", problem);
            return;
        }
        lock (_reportLock)
        {
            _damage.Add(problem);
        }
    }

    private void ObjectDone() => Interlocked.Increment(ref _objectsDone);
}
