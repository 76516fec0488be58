using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Files family: openat, pread, readlinkat. Every path argument is a NUL-terminated byte string; the span helpers
/// copy a name (one component, no NUL) into a terminated stack buffer first. Names are bytes, never strings.
/// </summary>
public static partial class Libc
{
    /// <summary>open(2) flags (x86-64 values).</summary>
    [Flags]
    public enum OpenFlags
    {
        O_RDONLY = 0,
        O_WRONLY = 0x1,
        O_RDWR = 0x2,
        O_NOCTTY = 0x100,
        O_NONBLOCK = 0x800,
        O_DIRECTORY = 0x10000,
        O_NOFOLLOW = 0x20000,
        O_NOATIME = 0x40000,
        O_CLOEXEC = 0x80000,
        O_PATH = 0x200000,
    }

    /// <summary>The dirfd meaning "the current directory" (AT_FDCWD).</summary>
    public const int AT_FDCWD = -100;

    /// <summary>*at(2) flags.</summary>
    public const int AT_SYMLINK_NOFOLLOW = 0x100, AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000;

    /// <summary>Longest single name component (NAME_MAX) and path (PATH_MAX) in bytes.</summary>
    public const int NameMax = 255, PathMax = 4096;

    /// <summary>openat(2) with a NUL-terminated path. Returns the fd or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "openat", SetLastError = true)]
    public static unsafe partial int Openat(int dirfd, byte* pathZ, OpenFlags flags, uint mode);

    /// <summary>pread(2). Returns bytes read (0 at end of file) or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "pread64", SetLastError = true)]
    public static unsafe partial nint Pread(int fd, byte* buffer, nuint count, long offset);

    /// <summary>readlinkat(2) with a NUL-terminated path (an empty path with an O_PATH fd reads that link).
    /// Returns the target length (no NUL is written) or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "readlinkat", SetLastError = true)]
    public static unsafe partial nint Readlinkat(int dirfd, byte* pathZ, byte* buffer, nuint size);

    /// <summary>
    /// openat(dirfd, name, flags) for one name component (no '/', no NUL, not empty), retried on EINTR.
    /// Returns an owned fd, or null with <paramref name="errno"/> set.
    /// </summary>
    public static unsafe SafeFd? OpenatName(int dirfd, ReadOnlySpan<byte> name, OpenFlags flags, out Errno errno)
    {
        if (!IsValidName(name))
        {
            errno = name.Length > NameMax ? Errno.ENAMETOOLONG : Errno.EINVAL;
            return null;
        }
        byte* nameZ = stackalloc byte[NameMax + 1];
        CopyTerminated(name, nameZ);
        return OpenatZ(dirfd, nameZ, flags, out errno);
    }

    /// <summary>openat(2) with a NUL-terminated path, retried on EINTR. Null with <paramref name="errno"/> on failure.</summary>
    public static unsafe SafeFd? OpenatZ(int dirfd, byte* pathZ, OpenFlags flags, out Errno errno)
    {
        while (true)
        {
            int fd = Openat(dirfd, pathZ, flags | OpenFlags.O_CLOEXEC, 0);
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
    /// Fills <paramref name="buffer"/> from <paramref name="offset"/> with pread, looping over short reads until
    /// the buffer is full or end of file. Returns the bytes read (fewer than requested only at end of file), or -1
    /// with <paramref name="errno"/> set.
    /// </summary>
    public static unsafe int PreadFull(int fd, Span<byte> buffer, long offset, out Errno errno)
    {
        int total = 0;
        fixed (byte* p = buffer)
        {
            while (total < buffer.Length)
            {
                nint n = Pread(fd, p + total, (nuint)(buffer.Length - total), offset + total);
                if (n > 0)
                {
                    total += (int)n;
                    continue;
                }
                if (n == 0)
                {
                    break;
                }
                errno = LastErrno;
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                return -1;
            }
        }
        errno = Errno.OK;
        return total;
    }

    /// <summary>readlinkat for one name component in <paramref name="dirfd"/>. Returns the target length, or -1 with
    /// <paramref name="errno"/> set (ENAMETOOLONG when the target does not fit into <paramref name="target"/>).</summary>
    public static unsafe int ReadlinkatName(int dirfd, ReadOnlySpan<byte> name, Span<byte> target, out Errno errno)
    {
        if (!IsValidName(name))
        {
            errno = name.Length > NameMax ? Errno.ENAMETOOLONG : Errno.EINVAL;
            return -1;
        }
        byte* nameZ = stackalloc byte[NameMax + 1];
        CopyTerminated(name, nameZ);
        fixed (byte* t = target)
        {
            while (true)
            {
                nint n = Readlinkat(dirfd, nameZ, t, (nuint)target.Length);
                if (n >= 0)
                {
                    if (n == target.Length)
                    {
                        // The target may have been cut: readlink never says so itself.
                        errno = Errno.ENAMETOOLONG;
                        return -1;
                    }
                    errno = Errno.OK;
                    return (int)n;
                }
                errno = LastErrno;
                if (errno != Errno.EINTR)
                {
                    return -1;
                }
            }
        }
    }

    /// <summary>True for a usable single name component: 1..255 bytes, no '/', no NUL, not "." or "..".</summary>
    public static bool IsValidName(ReadOnlySpan<byte> name) =>
        name.Length is > 0 and <= NameMax
        && name.IndexOfAny((byte)'/', (byte)0) < 0
        && !(name.Length == 1 && name[0] == (byte)'.')
        && !(name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.');

    private static unsafe void CopyTerminated(ReadOnlySpan<byte> name, byte* destination)
    {
        name.CopyTo(new Span<byte>(destination, name.Length));
        destination[name.Length] = 0;
    }
}
