using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>An open directory of the view: the plaintext directory descriptor and the listing snapshot, taken at the
/// first READDIR(PLUS) and again after a rewind. Requests on one handle are serialised by locking the handle.</summary>
internal sealed class ReverseDirHandle : IDisposable
{
    public ReverseDirHandle(ReverseNode node, SafeFd? listingFd)
    {
        Node = node;
        ListingFd = listingFd;
    }

    public ReverseNode Node { get; }

    /// <summary>O_RDONLY descriptor of the plaintext directory (null when the view shows it empty).</summary>
    public SafeFd? ListingFd { get; set; }

    public List<ReverseListingEntry>? Snapshot { get; set; }

    /// <summary>True once entries of the snapshot were handed out (an offset-0 request then means a rewind).</summary>
    public bool Served { get; set; }

    public void Dispose() => ListingFd?.Dispose();
}
