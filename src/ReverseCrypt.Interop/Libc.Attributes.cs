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
    internal static partial int Fchown(SafeFd fd, uint uid, uint gid);

    [LibraryImport(LibName, EntryPoint = "fchownat", SetLastError = true)]
    internal static partial int Fchownat(SafeFd dirfd, ReadOnlySpan<byte> pathZ, uint uid, uint gid, int flags);

    [LibraryImport(LibName, EntryPoint = "fchmod", SetLastError = true)]
    internal static partial int Fchmod(SafeFd fd, uint mode);

    /// <summary>fchmodat(2); with AT_SYMLINK_NOFOLLOW glibc refuses symlinks (EOPNOTSUPP) instead of following them.</summary>
    [LibraryImport(LibName, EntryPoint = "fchmodat", SetLastError = true)]
    internal static partial int Fchmodat(SafeFd dirfd, ReadOnlySpan<byte> pathZ, uint mode, int flags);

    /// <summary>futimens(2) with [atime, mtime].</summary>
    [LibraryImport(LibName, EntryPoint = "futimens", SetLastError = true)]
    internal static partial int Futimens(SafeFd fd, ReadOnlySpan<Timespec> times);

    /// <summary>utimensat(2) with [atime, mtime].</summary>
    [LibraryImport(LibName, EntryPoint = "utimensat", SetLastError = true)]
    internal static partial int Utimensat(SafeFd dirfd, ReadOnlySpan<byte> pathZ, ReadOnlySpan<Timespec> times, int flags);

    /// <summary>fchown of an open file, retried on EINTR.</summary>
    public static Errno FchownFd(SafeFd fd, uint uid, uint gid)
    {
        RetryOnEintr(fd, (uid, gid), static (f, o) => Fchown(f, o.uid, o.gid), out var errno);
        return errno;
    }

    /// <summary>fchmod of an open file (all 07777 bits), retried on EINTR.</summary>
    public static Errno FchmodFd(SafeFd fd, uint mode)
    {
        RetryOnEintr(fd, mode, static (f, m) => Fchmod(f, m), out var errno);
        return errno;
    }

    /// <summary>futimens(fd, [atime, mtime]), retried on EINTR.</summary>
    public static Errno FutimensFd(SafeFd fd, Timespec atime, Timespec mtime)
    {
        ReadOnlySpan<Timespec> times = [atime, mtime];
        RetryOnEintr(fd, times, static (f, t) => Futimens(f, t), out var errno);
        return errno;
    }

    /// <summary>fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW): the owner of a symlink or special file itself.</summary>
    public static Errno FchownatName(SafeFd dirfd, ReadOnlySpan<byte> name, uint uid, uint gid)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        RetryOnEintr(dirfd, (ReadOnlySpan<byte>)nameZ, (uid, gid),
            static (d, n, o) => Fchownat(d, n, o.uid, o.gid, AT_SYMLINK_NOFOLLOW), out errno);
        return errno;
    }

    /// <summary>fchmodat(dirfd, name, mode, AT_SYMLINK_NOFOLLOW): never follows a symlink (EOPNOTSUPP for one).</summary>
    public static Errno FchmodatName(SafeFd dirfd, ReadOnlySpan<byte> name, uint mode)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        RetryOnEintr(dirfd, (ReadOnlySpan<byte>)nameZ, mode,
            static (d, n, m) => Fchmodat(d, n, m, AT_SYMLINK_NOFOLLOW), out errno);
        return errno;
    }

    /// <summary>utimensat(dirfd, name, [atime, mtime], AT_SYMLINK_NOFOLLOW): times of a symlink or special file itself.</summary>
    public static Errno UtimensatName(SafeFd dirfd, ReadOnlySpan<byte> name, Timespec atime, Timespec mtime)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        ReadOnlySpan<Timespec> times = [atime, mtime];
        RetryOnEintr(dirfd, (ReadOnlySpan<byte>)nameZ, times,
            static (d, n, t) => Utimensat(d, n, t, AT_SYMLINK_NOFOLLOW), out errno);
        return errno;
    }
}
