using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Backing;

/// <summary>
/// A borrowed directory descriptor from <see cref="BackingTree.AcquireDirectory"/>. The descriptor stays open until
/// the lease is disposed, even if the cache evicts it meanwhile (the close is deferred by the SafeHandle reference
/// count), so a reused descriptor number can never be read by mistake.
/// </summary>
public readonly struct DirectoryLease : IDisposable
{
    private readonly SafeFd? _fd;

    internal DirectoryLease(SafeFd fd)
    {
        _fd = fd;
    }

    /// <summary>True when the lease holds a descriptor.</summary>
    public bool IsValid => _fd is not null;

    /// <summary>The raw descriptor (O_PATH|O_DIRECTORY): a dirfd for openat, statx, readlinkat and /proc/self/fd paths.</summary>
    public int Fd => _fd?.Fd ?? -1;

    public void Dispose() => _fd?.DangerousRelease();
}
