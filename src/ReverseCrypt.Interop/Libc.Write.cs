using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Write family: pwrite, ftruncate, fsync. Raw imports return -1 on failure (read <see cref="LastErrno"/>); the
/// helpers loop over short writes and EINTR.
/// </summary>
public static partial class Libc
{
    [LibraryImport(LibName, EntryPoint = "pwrite64", SetLastError = true)]
    internal static partial nint Pwrite(SafeFd fd, ReadOnlySpan<byte> buffer, nuint count, long offset);

    [LibraryImport(LibName, EntryPoint = "ftruncate64", SetLastError = true)]
    internal static partial int Ftruncate(SafeFd fd, long length);

    [LibraryImport(LibName, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(SafeFd fd);

    /// <summary>Writes all of <paramref name="buffer"/> at <paramref name="offset"/> (looping over short writes and
    /// EINTR). OK, or the errno of the failing call (ENOSPC...).</summary>
    public static Errno PwriteFull(SafeFd fd, ReadOnlySpan<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            nint n = RetryOnEintr(fd, buffer[done..], offset + done,
                static (f, b, o) => Pwrite(f, b, (nuint)b.Length, o), out var errno);
            if (n < 0)
            {
                return errno;
            }
            if (n == 0)
            {
                return Errno.EIO;
            }
            done += (int)n;
        }
        return Errno.OK;
    }

    /// <summary>ftruncate, retried on EINTR.</summary>
    public static Errno FtruncateFd(SafeFd fd, long length)
    {
        RetryOnEintr(fd, length, static (f, l) => Ftruncate(f, l), out var errno);
        return errno;
    }

    /// <summary>fsync, retried on EINTR.</summary>
    public static Errno FsyncFd(SafeFd fd)
    {
        RetryOnEintr(fd, static f => Fsync(f), out var errno);
        return errno;
    }
}
