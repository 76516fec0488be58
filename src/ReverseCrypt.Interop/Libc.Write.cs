using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Write family: pwrite, ftruncate, fsync. Raw imports return -1 on failure (read <see cref="LastErrno"/>); the
/// helpers loop over short writes and EINTR.
/// </summary>
public static partial class Libc
{
    [LibraryImport(LibName, EntryPoint = "pwrite64", SetLastError = true)]
    public static unsafe partial nint Pwrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(LibName, EntryPoint = "ftruncate64", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport(LibName, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    /// <summary>Writes all of <paramref name="buffer"/> at <paramref name="offset"/> (looping over short writes and
    /// EINTR). OK, or the errno of the failing call (ENOSPC...).</summary>
    public static unsafe Errno PwriteFull(int fd, ReadOnlySpan<byte> buffer, long offset)
    {
        fixed (byte* p = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = Pwrite(fd, p + done, (nuint)(buffer.Length - done), offset + done);
                if (n > 0)
                {
                    done += (int)n;
                    continue;
                }
                if (n == 0)
                {
                    return Errno.EIO;
                }
                var errno = LastErrno;
                if (errno != Errno.EINTR)
                {
                    return errno;
                }
            }
        }
        return Errno.OK;
    }

    /// <summary>ftruncate, retried on EINTR.</summary>
    public static Errno FtruncateFd(int fd, long length)
    {
        Errno result;
        do
        {
            result = ResultOf(Ftruncate(fd, length));
        }
        while (result == Errno.EINTR);
        return result;
    }
}
