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
    /// <summary>unlinkat(2) flag: remove a directory.</summary>
    public const int AT_REMOVEDIR = 0x200;

    /// <summary>linkat(2) flag: follow a symlink given as the old path (used with /proc/self/fd/N).</summary>
    public const int AT_SYMLINK_FOLLOW = 0x400;

    [LibraryImport(LibName, EntryPoint = "mkdirat", SetLastError = true)]
    internal static partial int Mkdirat(SafeFd dirfd, ReadOnlySpan<byte> pathZ, uint mode);

    [LibraryImport(LibName, EntryPoint = "mknodat", SetLastError = true)]
    internal static partial int Mknodat(SafeFd dirfd, ReadOnlySpan<byte> pathZ, uint mode, ulong dev);

    [LibraryImport(LibName, EntryPoint = "symlinkat", SetLastError = true)]
    internal static partial int Symlinkat(ReadOnlySpan<byte> targetZ, SafeFd newDirfd, ReadOnlySpan<byte> linkPathZ);

    [LibraryImport(LibName, EntryPoint = "linkat", SetLastError = true)]
    internal static partial int Linkat(SafeFd oldDirfd, ReadOnlySpan<byte> oldPathZ, SafeFd newDirfd,
        ReadOnlySpan<byte> newPathZ, int flags);

    /// <summary>linkat(2) from a path relative to the current directory (the /proc/self/fd/N magic link).</summary>
    [LibraryImport(LibName, EntryPoint = "linkat", SetLastError = true)]
    private static partial int Linkat(int oldDirfd, ReadOnlySpan<byte> oldPathZ, SafeFd newDirfd,
        ReadOnlySpan<byte> newPathZ, int flags);

    [LibraryImport(LibName, EntryPoint = "unlinkat", SetLastError = true)]
    internal static partial int Unlinkat(SafeFd dirfd, ReadOnlySpan<byte> pathZ, int flags);

    /// <summary>
    /// openat(dirfd, name, flags | O_CLOEXEC, mode) for one name component, retried on EINTR: the creating variant of
    /// <see cref="OpenatName(SafeFd, ReadOnlySpan{byte}, OpenFlags, out Errno)"/>. Returns an owned fd, or null with
    /// <paramref name="errno"/> set.
    /// </summary>
    public static SafeFd? OpenatCreate(SafeFd dirfd, ReadOnlySpan<byte> name, OpenFlags flags, uint mode, out Errno errno)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out errno))
        {
            return null;
        }
        int fd = RetryOnEintr(dirfd, (ReadOnlySpan<byte>)nameZ, new OpenMode(flags | OpenFlags.O_CLOEXEC, mode),
            static (d, n, o) => Openat(d, n, o.Flags, o.Mode), out errno);
        return fd >= 0 ? new SafeFd(fd) : null;
    }

    /// <summary>
    /// An unnamed regular file in directory <paramref name="dirfd"/> (O_TMPFILE | O_RDWR), to be given a name with
    /// <see cref="LinkFdAt"/> once complete. EOPNOTSUPP / EISDIR / EINVAL: the filesystem cannot do it.
    /// </summary>
    public static SafeFd? OpenTmpfile(SafeFd dirfd, uint mode, out Errno errno)
    {
        int fd = RetryOnEintr(dirfd, ".\0"u8, new OpenMode(OpenFlags.O_TMPFILE | OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC, mode),
            static (d, n, o) => Openat(d, n, o.Flags, o.Mode), out errno);
        return fd >= 0 ? new SafeFd(fd) : null;
    }

    /// <summary>
    /// Gives the open file <paramref name="fd"/> (e.g. an O_TMPFILE file) the name <paramref name="name"/> in
    /// <paramref name="dirfd"/>: linkat("/proc/self/fd/FD", AT_SYMLINK_FOLLOW). EEXIST if the name is taken.
    /// </summary>
    public static Errno LinkFdAt(SafeFd fd, SafeFd dirfd, ReadOnlySpan<byte> name)
    {
        // The file is named by its number inside a path, so that number is held for the call.
        using var number = new FdLease(fd);
        Span<byte> sourceZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(number.Fd, default, sourceZ, out var errno))
        {
            return errno;
        }
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out errno))
        {
            return errno;
        }
        RetryOnEintr((ReadOnlySpan<byte>)sourceZ, dirfd, (ReadOnlySpan<byte>)nameZ,
            static (s, d, n) => Linkat(AT_FDCWD, s, d, n, AT_SYMLINK_FOLLOW), out errno);
        return errno;
    }

    /// <summary>mkdirat for one name component, retried on EINTR.</summary>
    public static Errno MkdiratName(SafeFd dirfd, ReadOnlySpan<byte> name, uint mode)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        RetryOnEintr(dirfd, (ReadOnlySpan<byte>)nameZ, mode, static (d, n, m) => Mkdirat(d, n, m), out errno);
        return errno;
    }

    /// <summary>mknodat for one name component (FIFO, socket, character or block device), retried on EINTR.
    /// <paramref name="dev"/> is the glibc-encoded dev_t (<see cref="MakeDev"/>).</summary>
    public static Errno MknodatName(SafeFd dirfd, ReadOnlySpan<byte> name, uint mode, ulong dev)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        RetryOnEintr(dirfd, (ReadOnlySpan<byte>)nameZ, (mode, dev), static (d, n, a) => Mknodat(d, n, a.mode, a.dev),
            out errno);
        return errno;
    }

    /// <summary>symlinkat(target, dirfd, name): the target is any byte string without NUL, 1..4095 bytes.</summary>
    public static Errno SymlinkatName(ReadOnlySpan<byte> target, SafeFd dirfd, ReadOnlySpan<byte> name)
    {
        if (target.IsEmpty || target.Length >= PathMax || target.Contains((byte)0))
        {
            return target.Length >= PathMax ? Errno.ENAMETOOLONG : Errno.EINVAL;
        }
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        Span<byte> targetZ = stackalloc byte[PathMax];
        CopyTerminated(target, targetZ);
        RetryOnEintr((ReadOnlySpan<byte>)targetZ, dirfd, (ReadOnlySpan<byte>)nameZ,
            static (t, d, n) => Symlinkat(t, d, n), out errno);
        return errno;
    }

    /// <summary>linkat(oldDirfd, oldName, newDirfd, newName, 0): a hard link; never follows a symlink.</summary>
    public static Errno LinkatName(SafeFd oldDirfd, ReadOnlySpan<byte> oldName, SafeFd newDirfd, ReadOnlySpan<byte> newName)
    {
        Span<byte> oldZ = stackalloc byte[NameMax + 1];
        Span<byte> newZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(oldName, oldZ, out var errno) || !TryTerminateName(newName, newZ, out errno))
        {
            return errno;
        }
        RetryOnEintr(new NamePair(oldDirfd, oldZ, newDirfd, newZ),
            static p => Linkat(p.OldDir, p.OldNameZ, p.NewDir, p.NewNameZ, 0), out errno);
        return errno;
    }

    /// <summary>unlinkat for one name component (<see cref="AT_REMOVEDIR"/> for an empty directory).</summary>
    public static Errno UnlinkatName(SafeFd dirfd, ReadOnlySpan<byte> name, int flags)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            return errno;
        }
        RetryOnEintr(dirfd, (ReadOnlySpan<byte>)nameZ, flags, static (d, n, f) => Unlinkat(d, n, f), out errno);
        return errno;
    }

    /// <summary>The flags and creation mode of one openat.</summary>
    private readonly record struct OpenMode(OpenFlags Flags, uint Mode);

    /// <summary>Both sides of one linkat.</summary>
    private readonly ref struct NamePair(SafeFd oldDir, ReadOnlySpan<byte> oldNameZ, SafeFd newDir, ReadOnlySpan<byte> newNameZ)
    {
        public readonly SafeFd OldDir = oldDir;
        public readonly ReadOnlySpan<byte> OldNameZ = oldNameZ;
        public readonly SafeFd NewDir = newDir;
        public readonly ReadOnlySpan<byte> NewNameZ = newNameZ;
    }
}
