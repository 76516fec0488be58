using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>lseek(2) with SEEK_DATA and SEEK_HOLE: where a file's data and holes are.</summary>
public static partial class Libc
{
    /// <summary>lseek(2) whence values.</summary>
    public const int SEEK_DATA = 3, SEEK_HOLE = 4;

    /// <summary>lseek(2). Returns the new offset or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "lseek64", SetLastError = true)]
    internal static partial long Lseek(SafeFd fd, long offset, int whence);

    /// <summary>lseek(fd, offset, whence), retried on EINTR. Returns the offset, or -1 with <paramref name="errno"/>
    /// set (ENXIO: no data at or after <paramref name="offset"/> for SEEK_DATA; EINVAL or EOPNOTSUPP where the file
    /// system cannot tell).</summary>
    public static long Seek(SafeFd fd, long offset, int whence, out Errno errno)
    {
        long result = RetryOnEintr(fd, offset, whence, static (f, o, w) => Lseek(f, o, w), out errno);
        return result >= 0 ? result : -1;
    }

}
