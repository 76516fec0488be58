using Microsoft.Win32.SafeHandles;

namespace ReverseCrypt.Interop;

/// <summary>
/// An owned file descriptor, closed exactly once (close is never retried). Pass it to the <see cref="Libc"/> helpers
/// as it is: the generated marshalling holds a reference for the length of each call, so a concurrent Dispose defers
/// the close instead of letting a reused descriptor number be read.
/// </summary>
public sealed class SafeFd : SafeHandleMinusOneIsInvalid
{
    public SafeFd() : base(ownsHandle: true) { }

    public SafeFd(int fd, bool ownsHandle = true) : base(ownsHandle) => SetHandle(fd);

    /// <summary>The raw descriptor number; valid only while this handle is alive. Only for the places where the kernel
    /// gets the number itself (an fd= mount option, a /proc/self/fd/N path: see <see cref="FdLease"/>) and for code
    /// that holds its own reference (a lease); everything else passes the handle.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}

/// <summary>
/// A reference held on a <see cref="SafeFd"/> for as long as its number is used as a number: written into a path
/// ("/proc/self/fd/N/NAME") or an option string, where no marshaller can protect it, or borrowed from a cache that may
/// dispose its handle meanwhile (the close then waits for <see cref="Dispose"/>; the disposed handle itself refuses new
/// references, so a borrower keeps using <see cref="Fd"/>). Dispose exactly once; do not copy a lease that is in use.
/// </summary>
public struct FdLease : IDisposable
{
    private SafeFd? _handle;
    private readonly int _fd;

    /// <summary>Takes a reference on <paramref name="handle"/> (ObjectDisposedException if it is already disposed).</summary>
    public FdLease(SafeFd handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        bool added = false;
        handle.DangerousAddRef(ref added);
        _handle = handle;
        _fd = handle.Fd;
    }

    /// <summary>The descriptor number, valid until <see cref="Dispose"/>; -1 for a default lease.</summary>
    public readonly int Fd => _handle is null ? -1 : _fd;

    /// <summary>True while the lease holds a reference.</summary>
    public readonly bool IsHeld => _handle is not null;

    public void Dispose()
    {
        var handle = _handle;
        _handle = null;
        handle?.DangerousRelease();
    }
}
