using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Attributes family (the write side of stat): fchown/fchownat, fchmod/fchmodat, futimens/utimensat. The name helpers
/// act on one name component in a directory descriptor and never follow a symlink (AT_SYMLINK_NOFOLLOW). Raw imports
/// return 0 or -1; the helpers retry EINTR and return an <see cref="Errno"/>.
/// </summary>
public static partial class Libc
{
    /// <summary>utimensat(2) special nanosecond values: set to the current time / leave unchanged.</summary>
    public const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    /// <summary><c>struct timespec</c> on x86-64 (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Sec;
        public long Nsec;

        public Timespec(long sec, long nsec)
        {
            Sec = sec;
            Nsec = nsec;
        }
    }

    [LibraryImport(LibName, EntryPoint = "fchown", SetLastError = true)]
    public static partial int Fchown(int fd, uint uid, uint gid);

    [LibraryImport(LibName, EntryPoint = "fchownat", SetLastError = true)]
    public static unsafe partial int Fchownat(int dirfd, byte* pathZ, uint uid, uint gid, int flags);

    [LibraryImport(LibName, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);

    /// <summary>fchmodat(2); with AT_SYMLINK_NOFOLLOW glibc refuses symlinks (EOPNOTSUPP) instead of following them.</summary>
    [LibraryImport(LibName, EntryPoint = "fchmodat", SetLastError = true)]
    public static unsafe partial int Fchmodat(int dirfd, byte* pathZ, uint mode, int flags);

    [LibraryImport(LibName, EntryPoint = "futimens", SetLastError = true)]
    public static unsafe partial int Futimens(int fd, Timespec* times);

    [LibraryImport(LibName, EntryPoint = "utimensat", SetLastError = true)]
    public static unsafe partial int Utimensat(int dirfd, byte* pathZ, Timespec* times, int flags);

    /// <summary>fchown of an open file, retried on EINTR.</summary>
    public static Errno FchownFd(int fd, uint uid, uint gid)
    {
        Errno result;
        do
        {
            result = ResultOf(Fchown(fd, uid, gid));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>fchmod of an open file (all 07777 bits), retried on EINTR.</summary>
    public static Errno FchmodFd(int fd, uint mode)
    {
        Errno result;
        do
        {
            result = ResultOf(Fchmod(fd, mode));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>futimens(fd, [atime, mtime]), retried on EINTR.</summary>
    public static unsafe Errno FutimensFd(int fd, Timespec atime, Timespec mtime)
    {
        Timespec* times = stackalloc Timespec[2];
        times[0] = atime;
        times[1] = mtime;
        Errno result;
        do
        {
            result = ResultOf(Futimens(fd, times));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW): the owner of a symlink or special file itself.</summary>
    public static unsafe Errno FchownatName(int dirfd, ReadOnlySpan<byte> name, uint uid, uint gid)
    {
        byte* nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        Errno result;
        do
        {
            result = ResultOf(Fchownat(dirfd, nameZ, uid, gid, AT_SYMLINK_NOFOLLOW));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>fchmodat(dirfd, name, mode, AT_SYMLINK_NOFOLLOW): never follows a symlink (EOPNOTSUPP for one).</summary>
    public static unsafe Errno FchmodatName(int dirfd, ReadOnlySpan<byte> name, uint mode)
    {
        byte* nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        Errno result;
        do
        {
            result = ResultOf(Fchmodat(dirfd, nameZ, mode, AT_SYMLINK_NOFOLLOW));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>utimensat(dirfd, name, [atime, mtime], AT_SYMLINK_NOFOLLOW): times of a symlink or special file itself.</summary>
    public static unsafe Errno UtimensatName(int dirfd, ReadOnlySpan<byte> name, Timespec atime, Timespec mtime)
    {
        byte* nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        Timespec* times = stackalloc Timespec[2];
        times[0] = atime;
        times[1] = mtime;
        Errno result;
        do
        {
            result = ResultOf(Utimensat(dirfd, nameZ, times, AT_SYMLINK_NOFOLLOW));
        }
        while (result == Errno.EINTR);
        return result;
    }
}
