using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>lseek(2) with SEEK_DATA and SEEK_HOLE: where a file's data and holes are.</summary>
public static partial class Libc
{
    /// <summary>lseek(2) whence values.</summary>
    public const int SEEK_DATA = 3, SEEK_HOLE = 4;

    /// <summary>lseek(2). Returns the new offset or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "lseek64", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);

    /// <summary>lseek(fd, offset, whence), retried on EINTR. Returns the offset, or -1 with <paramref name="errno"/>
    /// set (ENXIO: no data at or after <paramref name="offset"/> for SEEK_DATA; EINVAL or EOPNOTSUPP where the file
    /// system cannot tell).</summary>
    public static long Seek(int fd, long offset, int whence, out Errno errno)
    {
        while (true)
        {
            long result = Lseek(fd, offset, whence);
            if (result >= 0)
            {
                errno = Errno.OK;
                return result;
            }
            errno = LastErrno;
            if (errno != Errno.EINTR)
            {
                return -1;
            }
        }
    }
}
