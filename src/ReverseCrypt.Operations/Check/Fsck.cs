// Checking an encrypted tree (docs/format.md 13): every name, .name file (against its hash), diriv, file header, block,
// symlink target and xattr value. Device nodes, FIFOs and setuid/setgid files are legitimate in the format (not
// damage) but are listed, so that one planted in a copy is seen.
using System.Diagnostics;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Content;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Check;

/// <summary>
/// Walks an encrypted tree and authenticates everything that can be authenticated, listing each damaged object.
/// One thread walks and checks names, symlinks and xattrs; <see cref="FsckOptions.Workers"/> threads authenticate
/// file contents (each file to its end, so every bad block is counted).
/// </summary>
public sealed class Fsck
{
    /// <summary>Deepest directory nesting followed.</summary>
    public const int MaxDepth = 2048;

    private const int BatchBlocks = 256;

    private readonly FsckOptions _options;
    private readonly CipherTree _tree;
    private readonly CancellationToken _cancellation;
    private readonly Lock _lock = new();
    private readonly List<CipherProblem> _problems = [];
    private readonly List<SensitiveEntry> _sensitive = []; // walker thread only
    private readonly FsckCounts _counts = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly WorkerBuffers _buffers;
    private long _objects;
    private long _objectsTotal = -1;
    private long _bytesTotal = -1;

    private Fsck(FsckOptions options, CipherTree tree, CancellationToken cancellation)
    {
        _options = options;
        _tree = tree;
        _cancellation = cancellation;
        _buffers = new WorkerBuffers(options.Workers, BatchBlocks);
    }

    private sealed class Frame(CipherDirectory directory, IReadOnlyList<CipherEntry> entries)
    {
        public CipherDirectory Directory { get; } = directory;
        public IReadOnlyList<CipherEntry> Entries { get; } = entries;
        public int Index;
    }

    /// <summary>A file whose content a worker authenticates; holds a reference on its directory's descriptor.</summary>
    private sealed record FileJob(FdLease Directory, byte[] CipherName, byte[] CipherPath, byte[] PlainPath);

    /// <summary>Checks the tree. Throws only when it cannot be checked at all: the directory cannot be opened
    /// (DirectoryNotFoundException, IOException...) or the key does not fit (<see cref="WrongKeyException"/>).</summary>
    public static FsckReport Run(FsckOptions options, CryptoCore core, IProgress<FsckProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var tree = TreeJob.OpenTree(options.CipherDir, core, options.Workers, nameof(options));
        return new Fsck(options, tree, cancellation).Execute(progress);
    }

    private FsckReport Execute(IProgress<FsckProgress>? progress)
    {
        int workers = _options.Workers;
        using var ticker = TreeJob.StartProgress(progress, () => Snapshot(false), _options.ProgressInterval);
        {
            var root = _tree.OpenRoot();
            if (_options.EstimateTotals)
            {
                long objects = 0, bytes = 0;
                TreeScanner.Scan(_tree, root.Handle, [], MaxDepth, _cancellation, ref objects, ref bytes);
                Interlocked.Exchange(ref _objectsTotal, objects);
                Interlocked.Exchange(ref _bytesTotal, bytes);
            }
            using var pool = new WorkerPool<FileJob>(workers, workers * 16, CheckFile, "fsck");
            CheckXattrs(root.Handle, default, [], []);
            var listing = _tree.List(root);
            Report(listing.Problems);
            Walk(pool, new Frame(root, listing.Entries));
            pool.Complete();
        }
        _problems.Sort((a, b) => a.CipherPath.AsSpan().SequenceCompareTo(b.CipherPath));
        SensitiveEntry.Sort(_sensitive);
        var report = new FsckReport(_problems, _sensitive, _counts, _cancellation.IsCancellationRequested, _clock.Elapsed);
        ticker.Finish(Snapshot(true));
        return report;
    }

    private FsckProgress Snapshot(bool finished)
    {
        var elapsed = _clock.Elapsed;
        long bytes = Interlocked.Read(ref _counts.Bytes);
        long total = Interlocked.Read(ref _bytesTotal);
        var (rate, eta) = TreeJob.Rate(bytes, total, elapsed, finished);
        int problems;
        lock (_lock)
        {
            problems = _problems.Count;
        }
        return new FsckProgress(Interlocked.Read(ref _objects), Interlocked.Read(ref _objectsTotal), bytes, total, problems, elapsed, rate,
            eta, finished);
    }

    private void Report(CipherProblem problem)
    {
        lock (_lock)
        {
            _problems.Add(problem);
        }
    }

    private void Report(IEnumerable<CipherProblem> problems)
    {
        lock (_lock)
        {
            _problems.AddRange(problems);
        }
    }

    private void Walk(WorkerPool<FileJob> pool, Frame start)
    {
        var stack = new Stack<Frame>();
        stack.Push(start);
        try
        {
            while (stack.Count > 0)
            {
                var frame = stack.Peek();
                if (frame.Index >= frame.Entries.Count || _cancellation.IsCancellationRequested)
                {
                    stack.Pop().Directory.Dispose();
                    continue;
                }
                var entry = frame.Entries[frame.Index++];
                var child = CheckEntry(pool, frame.Directory, entry, stack.Count);
                if (child is not null)
                {
                    stack.Push(child);
                }
            }
        }
        finally
        {
            while (stack.Count > 0)
            {
                stack.Pop().Directory.Dispose();
            }
        }
    }

    private Frame? CheckEntry(WorkerPool<FileJob> pool, CipherDirectory parent, CipherEntry entry, int depth)
    {
        var cipherPath = BytePath.Join(parent.CipherPath, entry.CipherName);
        var plainPath = BytePath.Join(parent.PlainPath, entry.PlainName);
        var errno = Libc.StatxName(parent.Handle, entry.CipherName, out var stat);
        if (errno != Errno.OK)
        {
            Report(new CipherProblem(CipherProblemKind.ReadError, cipherPath, plainPath, $"cannot stat: {Libc.Describe(errno)}"));
            return null;
        }
        CheckXattrs(parent.Handle, entry.CipherName, cipherPath, plainPath);
        if (SensitiveEntry.IsSensitive(stat.Mode))
        {
            _sensitive.Add(new SensitiveEntry(plainPath, stat.Mode, stat.Uid, stat.Gid, stat.RdevMajor, stat.RdevMinor));
        }
        switch (stat.FileType)
        {
            case CipherIo.S_IFDIR:
                {
                    Interlocked.Increment(ref _counts.Directories);
                    Interlocked.Increment(ref _objects);
                    if (depth >= MaxDepth)
                    {
                        Report(new CipherProblem(CipherProblemKind.ReadError, cipherPath, plainPath,
                            $"directories nested deeper than {MaxDepth} levels: not checked"));
                        return null;
                    }
                    var directory = _tree.OpenDirectory(parent, entry, out errno);
                    if (directory is null)
                    {
                        Report(new CipherProblem(CipherProblemKind.ReadError, cipherPath, plainPath,
                            $"cannot open directory: {Libc.Describe(errno)}"));
                        return null;
                    }
                    var listing = _tree.List(directory);
                    Report(listing.Problems);
                    return new Frame(directory, listing.Entries);
                }
            case CipherIo.S_IFREG:
                {
                    // The walk closes the directory when it leaves it, maybe before a worker checks the file: the job
                    // holds the descriptor open (and so uses its number, as the disposed handle takes no new reference).
                    var directory = new FdLease(parent.Handle);
                    if (!pool.Add(new FileJob(directory, entry.CipherName, cipherPath, plainPath)))
                    {
                        directory.Dispose();
                    }
                    return null;
                }
            case CipherIo.S_IFLNK:
                {
                    Interlocked.Increment(ref _counts.Symlinks);
                    Interlocked.Increment(ref _objects);
                    var target = new byte[CipherTree.MaxTargetLength];
                    errno = _tree.ReadSymlink(parent.Handle, entry.CipherName, target, out _);
                    if (errno == Errno.EINVAL)
                    {
                        Report(new CipherProblem(CipherProblemKind.SymlinkInvalid, cipherPath, plainPath,
                            "the symlink target does not decode or authenticate"));
                    }
                    else if (errno != Errno.OK)
                    {
                        Report(new CipherProblem(CipherProblemKind.ReadError, cipherPath, plainPath, $"readlink: {Libc.Describe(errno)}"));
                    }
                    return null;
                }
            default:
                Interlocked.Increment(ref _counts.Specials);
                Interlocked.Increment(ref _objects);
                return null;
        }
    }

    private void CheckXattrs(SafeFd dirFd, ReadOnlySpan<byte> cipherName, byte[] cipherPath, byte[] plainPath)
    {
        var list = new List<CipherXattr>();
        var errno = _tree.ListXattrs(dirFd, cipherName, list);
        if (errno != Errno.OK)
        {
            Report(new CipherProblem(CipherProblemKind.ReadError, cipherPath, plainPath, $"listxattr: {Libc.Describe(errno)}"));
            return;
        }
        if (list.Count == 0)
        {
            return;
        }
        var value = new byte[Libc.XattrSizeMax];
        foreach (var xattr in list)
        {
            Interlocked.Increment(ref _counts.Xattrs);
            if (xattr.PlainName is null)
            {
                Report(new CipherProblem(CipherProblemKind.XattrNameInvalid, cipherPath, plainPath,
                    $"xattr {BytePath.Display(xattr.CipherName)}: the name does not decrypt"));
                continue;
            }
            errno = _tree.ReadXattrValue(dirFd, cipherName, xattr.CipherName, value, out _);
            if (errno == Errno.EINVAL)
            {
                Report(new CipherProblem(CipherProblemKind.XattrValueInvalid, cipherPath, plainPath,
                    $"xattr {BytePath.Display(xattr.PlainName)}: the value does not authenticate"));
            }
            else if (errno != Errno.OK)
            {
                Report(new CipherProblem(CipherProblemKind.ReadError, cipherPath, plainPath,
                    $"xattr {BytePath.Display(xattr.PlainName)}: {Libc.Describe(errno)}"));
            }
        }
    }

    private void CheckFile(FileJob job, int worker)
    {
        try
        {
            if (_cancellation.IsCancellationRequested)
            {
                return;
            }
            Interlocked.Increment(ref _objects);
            Interlocked.Increment(ref _counts.Files);
            using var file = CipherFile.Open(_tree, new CipherDir(job.Directory.Fd), job.CipherName, job.CipherPath, out var status, out var errno);
            if (file is null)
            {
                Report(status switch
                {
                    ContentStatus.TooShort => new CipherProblem(CipherProblemKind.FileTooShort, job.CipherPath, job.PlainPath,
                        "1..18 bytes: too short for a header (truncated)"),
                    ContentStatus.HeaderInvalid => new CipherProblem(CipherProblemKind.HeaderInvalid, job.CipherPath, job.PlainPath,
                        "invalid file header (not version 2 with a non-zero file ID)"),
                    _ => new CipherProblem(CipherProblemKind.ReadError, job.CipherPath, job.PlainPath, $"open: {Libc.Describe(errno)}"),
                });
                return;
            }
            var plain = _buffers.Plain(worker);
            var cipher = _buffers.Cipher(worker);
            long block = 0, badBlocks = 0, firstBad = -1;
            while (block < file.BlockCount && !_cancellation.IsCancellationRequested)
            {
                int blocks = (int)Math.Min(BatchBlocks, file.BlockCount - block);
                status = file.ReadBlocks(block, plain.AsSpan(0, blocks * ContentLayout.PlainBlockSize), cipher, out int length,
                    out long bad, out errno);
                if (status == ContentStatus.BlockInvalid)
                {
                    badBlocks++;
                    firstBad = firstBad < 0 ? bad : firstBad;
                    Interlocked.Add(ref _counts.Blocks, bad - block + 1);
                    Interlocked.Add(ref _counts.Bytes, (bad - block) * ContentLayout.PlainBlockSize);
                    block = bad + 1;
                    continue;
                }
                if (status != ContentStatus.Ok)
                {
                    Report(new CipherProblem(CipherProblemKind.ReadError, job.CipherPath, job.PlainPath, $"read: {Libc.Describe(errno)}"));
                    return;
                }
                if (length == 0)
                {
                    break; // shorter than its size said: changed under us
                }
                Interlocked.Add(ref _counts.Blocks, blocks);
                Interlocked.Add(ref _counts.Bytes, length);
                block += blocks;
            }
            if (badBlocks > 0)
            {
                Report(new CipherProblem(CipherProblemKind.BlockInvalid, job.CipherPath, job.PlainPath,
                    $"{badBlocks} of {file.BlockCount} blocks do not authenticate (first: block {firstBad}, plaintext offset " +
                    $"{ContentLayout.PlainOffsetOfBlock(firstBad)})", firstBad));
            }
        }
        finally
        {
            job.Directory.Dispose();
        }
    }
}
