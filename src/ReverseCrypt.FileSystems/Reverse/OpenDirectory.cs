using System.Buffers;
using ReverseCrypt.FileSystems.Backing;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// An open directory of the view: the plaintext directory descriptor and the listing, taken at the first
/// READDIR(PLUS) and again after a rewind. The listing is built incrementally: the plaintext names are read at once
/// (getdents), their view entries (statx, encrypted name) as the requests need them and, between requests, by the
/// thread that answered the previous one. Requests and that work on one handle are serialised by locking the handle.
/// </summary>
internal sealed class OpenDirectory : IDisposable
{
    private ReverseListingEntry[] _entries = [];

    public OpenDirectory(ReverseNode node, SafeFd? listingFd)
    {
        Node = node;
        ListingFd = listingFd;
    }

    public ReverseNode Node { get; }

    /// <summary>O_RDONLY descriptor of the plaintext directory (null when the view shows it empty, or once read).</summary>
    public SafeFd? ListingFd { get; set; }

    /// <summary>True once a listing was started (a request at offset 0 after entries were served restarts it).</summary>
    public bool Started { get; private set; }

    /// <summary>True once entries of the listing were handed out (an offset-0 request then means a rewind).</summary>
    public bool Served { get; set; }

    /// <summary>True when every view entry is in the listing.</summary>
    public bool Complete { get; set; }

    /// <summary>True after RELEASEDIR: work still queued for the handle stops.</summary>
    public bool Released { get; private set; }

    /// <summary>Set without the lock on a listing prepared ahead that nobody will take: the thread working on it
    /// disposes it at its next step.</summary>
    public volatile bool Abandoned;

    /// <summary>The plaintext entries in getdents order, until all were turned into view entries.</summary>
    public List<BackingEntry>? Raw { get; set; }

    /// <summary>The next entry of <see cref="Raw"/> to turn into a view entry.</summary>
    public int NextRaw { get; set; }

    /// <summary>Stat of the plaintext directory when the listing started (the diriv entry borrows it).</summary>
    public Libc.StatxBuffer DirStat { get; set; }

    /// <summary>Long-named entries seen so far: their .name files follow the diriv at the end of the listing.</summary>
    public List<(byte[] Hashed, byte[] Plain, byte[] Full, Libc.StatxBuffer Stat)>? LongNames { get; set; }

    /// <summary>The offset the kernel continues from after the last reply.</summary>
    public long NextOffset { get; set; }

    /// <summary>The directories this listing served so far, in order (shared with the directory's node).</summary>
    public ServedDirectoryOrder? ServedDirectories { get; set; }

    /// <summary>True once the listing of the first directory served was prepared ahead.</summary>
    public bool FirstChildPrefetched { get; set; }

    /// <summary>View entries computed so far; offset i + 1 continues after entry i.</summary>
    public int Count { get; private set; }

    public ref ReverseListingEntry this[int index] => ref _entries[index];

    /// <summary>Starts a new listing with room for <paramref name="capacity"/> entries (pooled memory).</summary>
    public void Restart(int capacity)
    {
        ReturnEntries();
        _entries = ArrayPool<ReverseListingEntry>.Shared.Rent(Math.Max(capacity, 8));
        Count = 0;
        Started = true;
        Served = false;
        Complete = false;
        Raw = null;
        NextRaw = 0;
        NextOffset = 0;
        LongNames = null;
        ServedDirectories = null;
        FirstChildPrefetched = false;
    }

    public void Add(in ReverseListingEntry entry)
    {
        if (Count == _entries.Length)
        {
            var larger = ArrayPool<ReverseListingEntry>.Shared.Rent(_entries.Length * 2);
            _entries.AsSpan(0, Count).CopyTo(larger);
            ReturnEntries();
            _entries = larger;
        }
        _entries[Count++] = entry;
    }

    public void Dispose()
    {
        Released = true;
        ListingFd?.Dispose();
        ListingFd = null;
        Raw = null;
        ServedDirectories = null;
        ReturnEntries();
        Count = 0;
    }

    private void ReturnEntries()
    {
        if (_entries.Length > 0)
        {
            ArrayPool<ReverseListingEntry>.Shared.Return(_entries, clearArray: true);
            _entries = [];
        }
    }
}
