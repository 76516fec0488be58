using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Lock family: flock(2). The lock belongs to the open file description, so it is released when the last descriptor
/// of it is closed, also when the process dies.
/// </summary>
public static partial class Libc
{
    /// <summary>flock(2) operations.</summary>
    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    [LibraryImport(LibName, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(SafeFd fd, int operation);

    /// <summary>flock(2) retried on EINTR: OK, or the errno (EAGAIN with LOCK_NB when another open file holds it).</summary>
    public static Errno FlockFd(SafeFd fd, int operation)
    {
        RetryOnEintr(fd, operation, static (f, o) => Flock(f, o), out var errno);
        return errno;
    }
}
