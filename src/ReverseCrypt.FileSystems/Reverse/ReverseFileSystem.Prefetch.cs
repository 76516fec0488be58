// Listings prepared ahead of a walk: while the kernel takes in one directory, the next one the walk will open (in
// listing or in sorted order) is listed on a pool thread (on the other CPU), so that its READDIRPLUS requests only
// copy entries out. docs/decisions.md has the bounds and the figures.
using System.Diagnostics;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

public sealed partial class ReverseFileSystem
{
    /// <summary>Listings prepared ahead and not yet opened, at most this many (the oldest is dropped).</summary>
    private const int PrefetchedListingsMax = 4;

    /// <summary>A listing prepared ahead is used only this fresh (and never older than the attribute timeout):
    /// a listing is a snapshot of the plaintext directory, and this bounds how old that snapshot may be.</summary>
    private static readonly TimeSpan s_prefetchMaxAge = TimeSpan.FromSeconds(1);

    private readonly List<(OpenDirectory Handle, long Started)> _prefetched = [];

    /// <summary>The order the latest walk was seen to open directories in (sorted by name, or the listing's): the
    /// guess for the first directory a walk opens inside one it has just read.</summary>
    private volatile bool _walksSorted;

    private long _listingsPrefetched;
    private long _listingsAdopted;
    private long _listingsTooOld;

    private static readonly Action<(ReverseFileSystem Fs, OpenDirectory Handle)> s_prefetch =
        static state => state.Fs.RunPrefetch(state.Handle);

    /// <summary>Listings prepared ahead of a walk so far (for tests and diagnostics).</summary>
    public long ListingsPrefetched => Interlocked.Read(ref _listingsPrefetched);

    /// <summary>Prepared listings an OPENDIR took over (for tests and diagnostics).</summary>
    public long ListingsAdopted => Interlocked.Read(ref _listingsAdopted);

    /// <summary>Prepared listings an OPENDIR found but dropped as older than the maximum age (for tests and
    /// diagnostics): with <see cref="ListingsAdopted"/>, the OPENDIRs a listing had been prepared for.</summary>
    public long ListingsTooOld => Interlocked.Read(ref _listingsTooOld);

    private TimeSpan PrefetchMaxAge => _timeout < s_prefetchMaxAge ? _timeout : s_prefetchMaxAge;

    /// <summary>OPENDIR of <paramref name="dir"/>: while the walk opens its parent's directories in listing or sorted
    /// order, prepares the listing of the one after it (of both, while both orders fit).</summary>
    private void PrefetchNextSibling(ReverseNode dir)
    {
        if (dir.ViewParent?.ServedDirectories is not { } order)
        {
            return;
        }
        var (next, other) = order.NextAfterOpened(dir.NodeId);
        if (order.Sorted is bool sorted)
        {
            _walksSorted = sorted;
        }
        if (next != 0)
        {
            Prefetch(next);
        }
        if (other != 0)
        {
            Prefetch(other);
        }
    }

    /// <summary>The kernel read <paramref name="handle"/>'s listing to the end: a walk opens its first directory next
    /// (first in the order the latest walk followed).</summary>
    private void PrefetchFirstChild(OpenDirectory handle)
    {
        if (!handle.FirstChildPrefetched && handle.ServedDirectories is { } order && order.First(_walksSorted) is var first and not 0)
        {
            handle.FirstChildPrefetched = true;
            Prefetch(first);
        }
    }

    private void Prefetch(ulong nodeId)
    {
        if (PrefetchMaxAge <= TimeSpan.Zero || _nodes.Get(nodeId) is not { CanBeDirectory: true } node)
        {
            return;
        }
        var handle = new OpenDirectory(node, listingFd: null);
        OpenDirectory? dropped = null;
        lock (_prefetched)
        {
            if (_disposed)
            {
                return;
            }
            foreach (var (h, _) in _prefetched)
            {
                if (h.Node == node)
                {
                    return;
                }
            }
            if (_prefetched.Count == PrefetchedListingsMax)
            {
                dropped = _prefetched[0].Handle;
                _prefetched.RemoveAt(0);
            }
            _prefetched.Add((handle, Stopwatch.GetTimestamp()));
        }
        Abandon(dropped);
        Interlocked.Increment(ref _listingsPrefetched);
        ThreadPool.UnsafeQueueUserWorkItem(s_prefetch, (this, handle), preferLocal: false);
    }

    /// <summary>Lists the directory of a prepared handle in steps (an OPENDIR that took it over reads between
    /// them), up to <see cref="ListingAheadLimit"/> entries.</summary>
    private void RunPrefetch(OpenDirectory handle)
    {
        try
        {
            lock (handle)
            {
                if (handle.Released)
                {
                    return;
                }
                if (handle.Abandoned)
                {
                    handle.Dispose();
                    return;
                }
                if (!handle.Started && StartListing(handle) != Errno.OK)
                {
                    // Not usable: OPENDIR lists the directory itself and reports what went wrong.
                    handle.Dispose();
                    return;
                }
            }
            ListAheadSteps(handle);
        }
        catch (Exception e)
        {
            // A pool thread must not end the daemon: after unmount the tree is gone (expected); anything else is
            // logged, and the directory is listed when opened. A listing an OPENDIR took over stays with it (its
            // requests list what is missing themselves).
            if (!_disposed)
            {
                ReverseLog.PrefetchFailed(_log, handle.Node.NodeId, e);
            }
            bool notTaken;
            lock (_prefetched)
            {
                notTaken = _prefetched.RemoveAll(p => p.Handle == handle) > 0;
            }
            if (notTaken)
            {
                Discard(handle);
            }
        }
    }

    /// <summary>Takes the listing prepared for <paramref name="node"/>, when there is one that started well and is
    /// fresh enough; drops a stale one.</summary>
    private OpenDirectory? TakePrefetched(ReverseNode node)
    {
        OpenDirectory? found = null;
        long started = 0;
        lock (_prefetched)
        {
            for (int i = 0; i < _prefetched.Count; i++)
            {
                if (_prefetched[i].Handle.Node == node)
                {
                    (found, started) = _prefetched[i];
                    _prefetched.RemoveAt(i);
                    break;
                }
            }
        }
        if (found is null)
        {
            return null;
        }
        if (Stopwatch.GetElapsedTime(started) > PrefetchMaxAge)
        {
            Interlocked.Increment(ref _listingsTooOld);
            Abandon(found);
            return null;
        }
        lock (found)
        {
            // Waits for a listing that is being started, starts one the pool has not reached yet; one that failed is
            // not taken (OPENDIR then lists the directory itself and reports why).
            if (found.Released || (!found.Started && StartListing(found) != Errno.OK))
            {
                found.Dispose();
                return null;
            }
        }
        Interlocked.Increment(ref _listingsAdopted);
        return found;
    }

    private void DiscardPrefetched()
    {
        List<(OpenDirectory Handle, long Started)> all;
        lock (_prefetched)
        {
            all = [.. _prefetched];
            _prefetched.Clear();
        }
        foreach (var (handle, _) in all)
        {
            Discard(handle);
        }
    }

    /// <summary>Drops a listing prepared ahead without waiting for the thread that may be listing it (a request must
    /// not wait for the getdents of a huge directory nobody will read): disposed now if free, else by that thread.</summary>
    private static void Abandon(OpenDirectory? handle)
    {
        if (handle is null)
        {
            return;
        }
        handle.Abandoned = true;
        if (Monitor.TryEnter(handle))
        {
            try
            {
                handle.Dispose();
            }
            finally
            {
                Monitor.Exit(handle);
            }
        }
    }

    /// <summary>Disposes <paramref name="handle"/> under its lock (waits for a step in progress).</summary>
    private static void Discard(OpenDirectory? handle)
    {
        if (handle is null)
        {
            return;
        }
        lock (handle)
        {
            handle.Dispose();
        }
    }
}

/// <summary>
/// The directories a listing served (READDIRPLUS), in order, and where a walk through them stands: the hint that says
/// which directory a walk opens next. A walk follows the listing's order (find, du, tar) or the names sorted byte by
/// byte (rsync sorts its file lists); both stay candidates while the directories opened fit both, and a walk that
/// fits neither gets no more predictions from this listing.
/// </summary>
internal sealed class ServedDirectoryOrder
{
    /// <summary>Directories recorded per listing at most (a bigger one is predicted for its first part only).</summary>
    private const int MaxRecorded = 1 << 16;

    private readonly List<(ulong NodeId, byte[] ViewName)> _served = [];
    private ulong[]? _listing;
    private ulong[]? _sorted;
    private int _position = -1;
    private bool _offOrder;

    public void Add(ulong nodeId, byte[] viewName)
    {
        lock (_served)
        {
            if (_served.Count < MaxRecorded)
            {
                _served.Add((nodeId, viewName));
            }
        }
    }

    /// <summary>True once the walk fits only the sorted order, false only the listing order, else null.</summary>
    public bool? Sorted
    {
        get
        {
            lock (_served)
            {
                return _offOrder || (_listing is null) == (_sorted is null) ? null : _sorted is not null;
            }
        }
    }

    /// <summary>The directory a walk in listing order (or, with <paramref name="sorted"/>, in sorted order) opens
    /// first, or 0.</summary>
    public ulong First(bool sorted)
    {
        lock (_served)
        {
            if (_served.Count == 0)
            {
                return 0;
            }
            var first = _served[0];
            if (sorted)
            {
                foreach (var d in _served)
                {
                    if (d.ViewName.AsSpan().SequenceCompareTo(first.ViewName) < 0)
                    {
                        first = d;
                    }
                }
            }
            return first.NodeId;
        }
    }

    /// <summary>Notes that <paramref name="nodeId"/> was opened. Returns the directories the walk opens after it in
    /// the orders it still fits (0 where there is none; one of them when both orders agree).</summary>
    public (ulong Next, ulong Other) NextAfterOpened(ulong nodeId)
    {
        lock (_served)
        {
            if (_offOrder || _served.Count == 0)
            {
                return (0, 0);
            }
            if (_position < 0)
            {
                _listing = [.. _served.Select(d => d.NodeId)];
                var sorted = _served.ToArray();
                Array.Sort(sorted, static (a, b) => a.ViewName.AsSpan().SequenceCompareTo(b.ViewName));
                _sorted = [.. sorted.Select(d => d.NodeId)];
            }
            int position = _position + 1;
            if (!Fits(_listing, position, nodeId))
            {
                _listing = null;
            }
            if (!Fits(_sorted, position, nodeId))
            {
                _sorted = null;
            }
            if (_listing is null && _sorted is null)
            {
                _offOrder = true;
                return (0, 0);
            }
            _position = position;
            ulong next = NextIn(_listing, position), other = NextIn(_sorted, position);
            return next == other ? (next, 0) : next == 0 ? (other, 0) : (next, other);
        }
    }

    private static bool Fits(ulong[]? order, int position, ulong nodeId) =>
        order is not null && position < order.Length && order[position] == nodeId;

    private static ulong NextIn(ulong[]? order, int position) =>
        order is not null && position + 1 < order.Length ? order[position + 1] : 0;
}
