// Files that changed while the view served them (issue 12): what a backup over the view must report and send again.
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Reverse;

public sealed partial class ReverseFileSystem
{
    /// <summary>At most this many paths are kept in <see cref="ChangedWhileServed"/>; further files are only counted.</summary>
    public const int ChangedWhileServedLimit = 10_000;

    private readonly object _changedLock = new();
    private readonly List<byte[]> _changed = [];
    private readonly HashSet<byte[]> _changedSet = new(ByteArrayComparer.Instance);
    private long _changedCount;

    /// <summary>
    /// Plaintext paths (relative to the view's root, '/'-separated bytes, in the order found) of the regular files
    /// that changed while they were served: at OPEN or at RELEASE the file's size, mtime or ctime (fstat of the open
    /// file) differed from what the kernel had last been told for it when the open began, or a read found it shrunk.
    /// What a reader got of such a file still decrypts (an earlier, authentic state for a grown file; an I/O error
    /// for a shrunk one), but it may not be the file's latest state. Each path once; the first
    /// <see cref="ChangedWhileServedLimit"/> are kept, <see cref="ChangedWhileServedCount"/> counts all. A snapshot
    /// copy; thread-safe.
    /// </summary>
    public IReadOnlyCollection<byte[]> ChangedWhileServed
    {
        get
        {
            lock (_changedLock)
            {
                return _changed.Select(p => (byte[])p.Clone()).ToArray();
            }
        }
    }

    /// <summary>How many files changed while served: exact while <see cref="ChangedWhileServed"/> holds them all; beyond
    /// <see cref="ChangedWhileServedLimit"/> each further open that saw a change adds one (a file opened again may count
    /// twice).</summary>
    public long ChangedWhileServedCount
    {
        get
        {
            lock (_changedLock)
            {
                return _changedCount;
            }
        }
    }

    /// <summary>Records the file of <paramref name="handle"/> as changed while served (once per open).</summary>
    internal void NoteChanged(ContentFile handle)
    {
        if (!handle.TakeChangeRecord())
        {
            return;
        }
        NoteChanged(handle.Node);
    }

    private void NoteChanged(ReverseNode node)
    {
        var path = PlainPathOf(node.ViewParent!, node.PlainName);
        lock (_changedLock)
        {
            if (_changedSet.Contains(path))
            {
                return;
            }
            _changedCount++;
            if (_changed.Count < ChangedWhileServedLimit)
            {
                _changed.Add(path);
                _changedSet.Add(path);
            }
        }
    }
}
