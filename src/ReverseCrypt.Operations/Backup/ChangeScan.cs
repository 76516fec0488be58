using System.Collections.Concurrent;
using System.Text;
using ReverseCrypt.Format;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Operations.Backup;

/// <summary>The metadata of one plaintext object that a change-driven run compares with the last manifest: a change
/// of any of these (an xattr or ACL change moves ctime) sends the object again.</summary>
public readonly record struct ScanMeta(uint Mode, ulong Size, long MtimeSec, uint MtimeNsec, long CtimeSec, uint CtimeNsec,
    ulong Ino, ulong Dev, uint Uid, uint Gid, ulong Rdev, uint Nlink)
{
    public const uint TypeMask = 0xF000, Directory = 0x4000, Regular = 0x8000;

    public bool IsDirectory => (Mode & TypeMask) == Directory;

    public static ScanMeta From(in Libc.StatxBuffer st) => new(st.Mode, st.Size, st.Mtime.Sec, st.Mtime.Nsec, st.Ctime.Sec,
        st.Ctime.Nsec, st.Ino, st.Dev, st.Uid, st.Gid, st.Rdev, st.Nlink);
}

/// <summary>One walked object: its plaintext path relative to PLAINDIR ('/'-separated bytes, "" for the root).</summary>
public readonly record struct ScanEntry(byte[] Path, ScanMeta Meta)
{
    /// <summary>A regular file with at least one 4 KiB block less allocated than its size: it may have holes (set by
    /// the walk, not kept in the manifest).</summary>
    public bool MaybeSparse { get; init; }

    /// <summary>Does statx's block count leave room for a hole of at least one 4 KiB block?</summary>
    public static bool HasHoles(in Libc.StatxBuffer st) =>
        (st.Mode & ScanMeta.TypeMask) == ScanMeta.Regular && st.Size >= 4096 && st.Blocks * 512 <= st.Size - 4096;
}

/// <summary>What the reverse view shows of PLAINDIR, so that the walk sees the same objects.</summary>
public sealed record ChangeScanOptions(string PlainRoot)
{
    /// <summary>Excluded plaintext paths (left out of the view, so out of the walk).</summary>
    public ExcludeMatcher? Exclude { get; init; }

    /// <summary>Directories on another device than PLAINDIR appear empty in the view: not descended into.</summary>
    public bool OneFileSystem { get; init; }

    /// <summary>Root entries the view never shows under their own name (the in-tree config).</summary>
    public IReadOnlyList<byte[]> ReservedRootNames { get; init; } = [];

    /// <summary>Walker threads; default: the CPUs, 2 to 8.</summary>
    public int Threads { get; init; } = Math.Clamp(Environment.ProcessorCount, 2, 8);
}

/// <summary>The result of a walk: every object in <see cref="ChangeScan.Compare"/> order, or why it is not complete.</summary>
public sealed record ChangeScanResult(IReadOnlyList<ScanEntry> Entries, string? Incomplete, TimeSpan Duration);

/// <summary>
/// Walks PLAINDIR itself, with statx (never following a symlink), in parallel, with the view's rules (excludes,
/// --one-file-system, the reserved config name). The walk is what a change-driven run compares with the manifest of
/// the last complete run and what it records as the new manifest: recorded before the transfer, so a change made
/// after the walk is seen by the next run.
/// </summary>
public static class ChangeScan
{
    /// <summary>The order of walks and manifests: path bytes compared with '/' below every other byte, so that a
    /// directory's descendants follow it directly (a depth-first order with names sorted bytewise).</summary>
    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var n = Math.Min(a.Length, b.Length);
        var common = a[..n].CommonPrefixLength(b[..n]);
        if (common == n) return a.Length.CompareTo(b.Length);
        int x = a[common] == '/' ? 0 : a[common], y = b[common] == '/' ? 0 : b[common];
        return x.CompareTo(y);
    }

    public static readonly Comparison<ScanEntry> EntryOrder = (a, b) => Compare(a.Path, b.Path);

    public static ChangeScanResult Walk(ChangeScanOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rootBytes = Encoding.UTF8.GetBytes(Path.GetFullPath(options.PlainRoot) + "\0");
        SafeFd? root;
        unsafe
        {
            fixed (byte* p = rootBytes)
            {
                root = Libc.OpenatZ(Libc.AT_FDCWD, p, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY, out var errno);
                if (root is null) return new([], $"{options.PlainRoot}: {errno}", clock.Elapsed);
            }
        }
        using (root)
        {
            var rootErrno = Libc.StatxFd(root, out var rootStat);
            if (rootErrno != Errno.OK) return new([], $"{options.PlainRoot}: {rootErrno}", clock.Elapsed);
            var walker = new Walker(options, root, rootStat.Dev, cancellation);
            walker.Results.Add([new ScanEntry([], ScanMeta.From(rootStat))]);
            walker.Run();
            cancellation.ThrowIfCancellationRequested();
            var all = new List<ScanEntry>(walker.Results.Sum(r => r.Count));
            foreach (var part in walker.Results) all.AddRange(part);
            all.Sort(EntryOrder);
            return new(all, walker.Error, clock.Elapsed);
        }
    }

    private sealed class Walker(ChangeScanOptions options, SafeFd root, ulong rootDev, CancellationToken cancellation)
    {
        private readonly ConcurrentQueue<byte[]> _queue = new([[]]);
        private readonly SemaphoreSlim _ready = new(1);
        private int _pending = 1;
        private string? _error;

        public ConcurrentBag<List<ScanEntry>> Results { get; } = [];

        public string? Error => _error;

        public void Run()
        {
            var threads = new Thread[Math.Max(1, options.Threads)];
            for (var i = 0; i < threads.Length; i++)
            {
                threads[i] = new Thread(Work) { IsBackground = true, Name = "change-scan" };
                threads[i].Start();
            }
            foreach (var t in threads) t.Join();
        }

        private void Work()
        {
            var local = new List<ScanEntry>();
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    _ready.Wait(cancellation);
                    if (Volatile.Read(ref _pending) == 0)
                    {
                        _ready.Release();
                        return;
                    }
                    if (!_queue.TryDequeue(out var dir)) continue;
                    try
                    {
                        List(dir, local, buffer);
                    }
                    finally
                    {
                        if (Interlocked.Decrement(ref _pending) == 0) _ready.Release();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                _ready.Release();
            }
            finally
            {
                Results.Add(local);
            }
        }

        private void Enqueue(byte[] dir)
        {
            Interlocked.Increment(ref _pending);
            _queue.Enqueue(dir);
            _ready.Release();
        }

        private void Fail(byte[] dir, Errno errno) =>
            Interlocked.CompareExchange(ref _error, $"cannot list {(dir.Length == 0 ? "." : ByteText(dir))}: {errno}", null);

        private void List(byte[] dir, List<ScanEntry> into, byte[] buffer)
        {
            SafeFd? fd;
            var pathZ = new byte[Math.Max(1, dir.Length) + 1];
            if (dir.Length == 0) pathZ[0] = (byte)'.';
            else dir.CopyTo(pathZ, 0);
            fd = Libc.OpenatZ(root, pathZ, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY | Libc.OpenFlags.O_NOFOLLOW, out var openErrno);
            if (fd is null)
            {
                Fail(dir, openErrno);
                return;
            }
            using (fd)
            {
                while (true)
                {
                    var filled = Libc.Getdents64(fd, buffer, out var errno);
                    if (filled < 0)
                    {
                        Fail(dir, errno);
                        return;
                    }
                    if (filled == 0) return;
                    var reader = new Libc.DirentReader(buffer.AsSpan(0, filled));
                    while (reader.MoveNext())
                    {
                        var name = reader.Name;
                        if (name.IsEmpty || name.SequenceEqual("."u8) || name.SequenceEqual(".."u8)) continue;
                        if (dir.Length == 0 && IsReserved(name)) continue;
                        var statErrno = Libc.StatxName(fd, name, out var st);
                        if (statErrno == Errno.ENOENT) continue; // vanished since getdents, as the view would leave it out
                        if (statErrno != Errno.OK)
                        {
                            Fail(Join(dir, name), statErrno);
                            continue;
                        }
                        var path = Join(dir, name);
                        var meta = ScanMeta.From(st);
                        if (options.Exclude is { } exclude && exclude.IsExcluded(path, meta.IsDirectory)) continue;
                        into.Add(new ScanEntry(path, meta) { MaybeSparse = ScanEntry.HasHoles(st) });
                        if (meta.IsDirectory && (!options.OneFileSystem || st.Dev == rootDev)) Enqueue(path);
                    }
                }
            }
        }

        private bool IsReserved(ReadOnlySpan<byte> name)
        {
            foreach (var reserved in options.ReservedRootNames)
            {
                if (name.SequenceEqual(reserved)) return true;
            }
            return false;
        }
    }

    internal static byte[] Join(ReadOnlySpan<byte> dir, ReadOnlySpan<byte> name)
    {
        if (dir.IsEmpty) return name.ToArray();
        var path = new byte[dir.Length + 1 + name.Length];
        dir.CopyTo(path);
        path[dir.Length] = (byte)'/';
        name.CopyTo(path.AsSpan(dir.Length + 1));
        return path;
    }

    internal static string ByteText(ReadOnlySpan<byte> path) => Encoding.UTF8.GetString(path);
}
