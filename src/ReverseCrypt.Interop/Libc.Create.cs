using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Create family: openat with O_CREAT / O_TMPFILE, mkdirat, mknodat, symlinkat, linkat, unlinkat. Every
/// name helper takes one name component (no '/', no NUL) relative to a directory descriptor, so nothing is ever
/// resolved through a path that a symlink could redirect. Raw imports return -1 on failure (read
/// <see cref="LastErrno"/>); the helpers retry EINTR and return an <see cref="Errno"/>.
/// </summary>
public static partial class Libc
{
    /// <summary>open(2) creation flags (x86-64 values) missing from <see cref="OpenFlags"/>.</summary>
    public const OpenFlags O_CREAT = (OpenFlags)0x40, O_EXCL = (OpenFlags)0x80, O_TRUNC = (OpenFlags)0x200,
        O_TMPFILE = (OpenFlags)0x410000;

    /// <summary>unlinkat(2) flag: remove a directory.</summary>
    public const int AT_REMOVEDIR = 0x200;

    /// <summary>linkat(2) flag: follow a symlink given as the old path (used with /proc/self/fd/N).</summary>
    public const int AT_SYMLINK_FOLLOW = 0x400;

    [LibraryImport(LibName, EntryPoint = "mkdirat", SetLastError = true)]
    public static unsafe partial int Mkdirat(int dirfd, byte* pathZ, uint mode);

    [LibraryImport(LibName, EntryPoint = "mknodat", SetLastError = true)]
    public static unsafe partial int Mknodat(int dirfd, byte* pathZ, uint mode, ulong dev);

    [LibraryImport(LibName, EntryPoint = "symlinkat", SetLastError = true)]
    public static unsafe partial int Symlinkat(byte* targetZ, int newDirfd, byte* linkPathZ);

    [LibraryImport(LibName, EntryPoint = "linkat", SetLastError = true)]
    public static unsafe partial int Linkat(int oldDirfd, byte* oldPathZ, int newDirfd, byte* newPathZ, int flags);

    [LibraryImport(LibName, EntryPoint = "unlinkat", SetLastError = true)]
    public static unsafe partial int Unlinkat(int dirfd, byte* pathZ, int flags);

    /// <summary>
    /// openat(dirfd, name, flags | O_CLOEXEC, mode) for one name component, retried on EINTR: the creating variant of
    /// <see cref="OpenatName"/>. Returns an owned fd, or null with <paramref name="errno"/> set.
    /// </summary>
    public static unsafe SafeFd? OpenatCreate(int dirfd, ReadOnlySpan<byte> name, OpenFlags flags, uint mode, out Errno errno)
    {
        byte* nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out errno))
        {
            return null;
        }
        while (true)
        {
            int fd = Openat(dirfd, nameZ, flags | OpenFlags.O_CLOEXEC, mode);
            if (fd >= 0)
            {
                errno = Errno.OK;
                return new SafeFd(fd);
            }
            errno = LastErrno;
            if (errno != Errno.EINTR)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// An unnamed regular file in directory <paramref name="dirfd"/> (O_TMPFILE | O_RDWR), to be given a name with
    /// <see cref="LinkFdAt"/> once complete. EOPNOTSUPP / EISDIR / EINVAL: the filesystem cannot do it.
    /// </summary>
    public static unsafe SafeFd? OpenTmpfile(int dirfd, uint mode, out Errno errno)
    {
        byte* dotZ = stackalloc byte[2];
        dotZ[0] = (byte)'.';
        dotZ[1] = 0;
        while (true)
        {
            int fd = Openat(dirfd, dotZ, O_TMPFILE | OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC, mode);
            if (fd >= 0)
            {
                errno = Errno.OK;
                return new SafeFd(fd);
            }
            errno = LastErrno;
            if (errno != Errno.EINTR)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Gives the open file <paramref name="fd"/> (e.g. an O_TMPFILE file) the name <paramref name="name"/> in
    /// <paramref name="dirfd"/>: linkat("/proc/self/fd/FD", AT_SYMLINK_FOLLOW). EEXIST if the name is taken.
    /// </summary>
    public static unsafe Errno LinkFdAt(int fd, int dirfd, ReadOnlySpan<byte> name)
    {
        byte* sourceZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(fd, default, sourceZ, out var errno))
        {
            return errno;
        }
        byte* nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out errno))
        {
            return errno;
        }
        Errno result;
        do
        {
            result = ResultOf(Linkat(AT_FDCWD, sourceZ, dirfd, nameZ, AT_SYMLINK_FOLLOW));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>mkdirat for one name component, retried on EINTR.</summary>
    public static unsafe Errno MkdiratName(int dirfd, ReadOnlySpan<byte> name, uint mode)
    {
        byte* nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        Errno result;
        do
        {
            result = ResultOf(Mkdirat(dirfd, nameZ, mode));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>mknodat for one name component (FIFO, socket, character or block device), retried on EINTR.
    /// <paramref name="dev"/> is the glibc-encoded dev_t (<see cref="MakeDev"/>).</summary>
    public static unsafe Errno MknodatName(int dirfd, ReadOnlySpan<byte> name, uint mode, ulong dev)
    {
        byte* nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        Errno result;
        do
        {
            result = ResultOf(Mknodat(dirfd, nameZ, mode, dev));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>symlinkat(target, dirfd, name): the target is any byte string without NUL, 1..4095 bytes.</summary>
    public static unsafe Errno SymlinkatName(ReadOnlySpan<byte> target, int dirfd, ReadOnlySpan<byte> name)
    {
        if (target.IsEmpty || target.Length >= PathMax || target.Contains((byte)0))
        {
            return target.Length >= PathMax ? Errno.ENAMETOOLONG : Errno.EINVAL;
        }
        byte* nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        byte* targetZ = stackalloc byte[PathMax];
        CopyTerminated(target, targetZ);
        Errno result;
        do
        {
            result = ResultOf(Symlinkat(targetZ, dirfd, nameZ));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>linkat(oldDirfd, oldName, newDirfd, newName, 0): a hard link; never follows a symlink.</summary>
    public static unsafe Errno LinkatName(int oldDirfd, ReadOnlySpan<byte> oldName, int newDirfd, ReadOnlySpan<byte> newName)
    {
        byte* oldZ = stackalloc byte[NameMax + 1];
        byte* newZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(oldName, oldZ, out var errno) || !TryTerminateName(newName, newZ, out errno))
        {
            return errno;
        }
        Errno result;
        do
        {
            result = ResultOf(Linkat(oldDirfd, oldZ, newDirfd, newZ, 0));
        }
        while (result == Errno.EINTR);
        return result;
    }

    /// <summary>unlinkat for one name component (<see cref="AT_REMOVEDIR"/> for an empty directory).</summary>
    public static unsafe Errno UnlinkatName(int dirfd, ReadOnlySpan<byte> name, int flags)
    {
        byte* nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        Errno result;
        do
        {
            result = ResultOf(Unlinkat(dirfd, nameZ, flags));
        }
        while (result == Errno.EINTR);
        return result;
    }

    private static unsafe bool TryTerminateName(ReadOnlySpan<byte> name, byte* destination, out Errno errno)
    {
        if (!IsValidName(name))
        {
            errno = name.Length > NameMax ? Errno.ENAMETOOLONG : Errno.EINVAL;
            return false;
        }
        CopyTerminated(name, destination);
        errno = Errno.OK;
        return true;
    }

    /// <summary>OK for a raw result of 0, else the errno of that (just failed) call.</summary>
    private static Errno ResultOf(int result) => result == 0 ? Errno.OK : LastErrno;
}
