using ReverseCrypt.Format.Content;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// The whole 4 KiB plaintext blocks of an open file that lie inside holes (SEEK_DATA/SEEK_HOLE), found once when the
/// file is opened: the view serves each of them as an all-zero cipher block (docs/format.md 18). Fixed for the open,
/// so that every request of one open serves a block the same way (data written into a hole later is served by the
/// next open, never as a block half zero and half encrypted). Only blocks wholly below the size the open serves
/// count; the last block of a file whose size is not a multiple of 4096 is always encrypted.
/// </summary>
internal sealed class HoleMap
{
    /// <summary>At most this many hole runs are kept; blocks past the last one kept are encrypted (correct, only not
    /// sparse).</summary>
    internal const int MaxRuns = 1 << 16;

    private readonly long[] _starts;    // first block of each run, ascending
    private readonly long[] _ends;      // block after each run

    private HoleMap(long[] starts, long[] ends)
    {
        _starts = starts;
        _ends = ends;
        ulong digest = 0x9e3779b97f4a7c15UL;
        for (int i = 0; i < starts.Length; i++)
        {
            digest = (digest ^ (ulong)starts[i]) * 0x100000001b3UL;
            digest = (digest ^ (ulong)ends[i]) * 0x100000001b3UL;
        }
        Digest = digest | 1;
    }

    /// <summary>A 64-bit digest of the runs, never 0: two opens with different maps (almost surely) differ in it.</summary>
    public ulong Digest { get; }

    /// <summary>
    /// The hole blocks of <paramref name="fd"/> below <paramref name="servedSize"/>, or null when there are none (the
    /// common case: a file whose allocation covers its size is not searched at all). Holes above the file's size now
    /// (it shrank since the size was pinned) are not holes: reading there fails as a read of any vanished data does.
    /// A file system that cannot tell data from holes has none.
    /// </summary>
    public static HoleMap? Find(SafeFd fd, in Libc.StatxBuffer stat, long servedSize)
    {
        const int Block = ContentLayout.PlainBlockSize;
        if (servedSize < Block || (long)stat.Blocks * 512 >= Math.Min(servedSize, (long)stat.Size))
        {
            return null;
        }
        var starts = new List<long>();
        var ends = new List<long>();
        long pos = 0;
        while (pos < servedSize && starts.Count < MaxRuns)
        {
            long data = Libc.Seek(fd, pos, Libc.SEEK_DATA, out var errno);
            if (data < 0)
            {
                if (errno != Errno.ENXIO)
                {
                    return null;    // EINVAL, EOPNOTSUPP: no hole information
                }
                data = long.MaxValue;   // no data after pos: a hole up to the end of the file
            }
            Add(pos, Math.Min(data, servedSize));
            if (data >= servedSize)
            {
                break;
            }
            long hole = Libc.Seek(fd, data, Libc.SEEK_HOLE, out _);
            if (hole <= data)
            {
                break;  // an error, or no progress: the rest is data
            }
            pos = hole;
        }
        if (starts.Count == 0)
        {
            return null;
        }
        // Taken after the search: a file cut shorter meanwhile has no holes past its new end (those bytes are gone).
        if (Libc.StatxFd(fd, out var now) != Errno.OK)
        {
            return null;
        }
        long lastBlockEnd = (long)now.Size / Block;
        while (starts.Count > 0 && ends[^1] > lastBlockEnd)
        {
            if (starts[^1] >= lastBlockEnd)
            {
                starts.RemoveAt(starts.Count - 1);
                ends.RemoveAt(ends.Count - 1);
            }
            else
            {
                ends[^1] = lastBlockEnd;
            }
        }
        return starts.Count == 0 ? null : new HoleMap([.. starts], [.. ends]);

        // The whole blocks inside the hole [from, to).
        void Add(long from, long to)
        {
            long first = (from + Block - 1) / Block;
            long end = to / Block;
            if (end > first)
            {
                starts.Add(first);
                ends.Add(end);
            }
        }
    }

    /// <summary>True when block <paramref name="block"/> lies wholly inside a hole.</summary>
    public bool IsHole(long block)
    {
        int i = Array.BinarySearch(_starts, block);
        if (i < 0)
        {
            i = ~i - 1;     // the last run starting before the block
        }
        return i >= 0 && block < _ends[i];
    }
}
