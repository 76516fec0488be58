using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Backing;

/// <summary>
/// A borrowed directory descriptor from <see cref="BackingTree.AcquireDirectory"/>. The descriptor stays open until
/// the lease is disposed, even if the cache evicts it meanwhile (the close is deferred by the SafeHandle reference
/// count), so a reused descriptor number can never be read by mistake.
/// </summary>
public readonly struct DirectoryLease : IDisposable
{
    private readonly FdLease _lease;

    internal DirectoryLease(FdLease lease)
    {
        _lease = lease;
    }

    /// <summary>True when the lease holds a descriptor.</summary>
    public bool IsValid => _lease.IsHeld;

    /// <summary>The raw descriptor (O_PATH|O_DIRECTORY): a dirfd for openat, statx, readlinkat and /proc/self/fd paths.
    /// A number, not the handle: the cache may dispose the handle while this lease still keeps the descriptor open.</summary>
    public int Fd => _lease.Fd;

    // The field is readonly, so this disposes a copy: the reference is released once, as before.
    public void Dispose() => _lease.Dispose();
}
