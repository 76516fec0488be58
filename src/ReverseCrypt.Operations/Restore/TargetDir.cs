using ReverseCrypt.Interop;

namespace ReverseCrypt.Operations.Restore;

/// <summary>
/// A directory being filled in the target. It stays open while anything may still create an entry in it (the
/// walker, file jobs, pending hard links: a reference count), and receives its owner, mode, xattrs (incl. a
/// default ACL, which must not be inherited by the restored children) and times when the count drops to zero, so
/// that nothing changes its mtime afterwards.
/// </summary>
internal sealed class TargetDir
{
    private readonly Restorer _restorer;
    private int _references = 1;

    public TargetDir(Restorer restorer, SafeFd? fd, byte[] plainPath, byte[] cipherPath, Libc.StatxBuffer? cipherStat,
        List<(byte[] Name, byte[] Value)> xattrs)
    {
        _restorer = restorer;
        Fd = fd;
        PlainPath = plainPath;
        CipherPath = cipherPath;
        CipherStat = cipherStat;
        Xattrs = xattrs;
    }

    /// <summary>O_RDONLY|O_DIRECTORY descriptor of the target directory; null in a dry run.</summary>
    public SafeFd? Fd { get; }

    public byte[] PlainPath { get; }

    public byte[] CipherPath { get; }

    /// <summary>The attributes to give it at the end; null to leave it alone (the target root of a --path restore).</summary>
    public Libc.StatxBuffer? CipherStat { get; }

    public List<(byte[] Name, byte[] Value)> Xattrs { get; }

    public void AddRef() => Interlocked.Increment(ref _references);

    /// <summary>Drops one reference; the last one applies the attributes and closes the descriptor.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            try
            {
                if (Fd is not null && CipherStat is { } stat)
                {
                    _restorer.ApplyDirectoryMetadata(this, stat);
                }
            }
            finally
            {
                Fd?.Dispose();
            }
        }
    }
}
