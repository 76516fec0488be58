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
        O_ACCMODE = 0x3,
        O_CREAT = 0x40,
        O_EXCL = 0x80,
        O_NOCTTY = 0x100,
        O_TRUNC = 0x200,
        O_APPEND = 0x400,
        O_NONBLOCK = 0x800,
        O_DIRECTORY = 0x10000,
        O_NOFOLLOW = 0x20000,
        O_NOATIME = 0x40000,
        O_CLOEXEC = 0x80000,
        O_PATH = 0x200000,
        O_TMPFILE = 0x400000 | O_DIRECTORY,
    }

    /// <summary>The dirfd meaning "the current directory" (AT_FDCWD). Not a descriptor, so helpers that accept it
    /// take an <see cref="int"/>.</summary>
    public const int AT_FDCWD = -100;

    /// <summary>*at(2) flags.</summary>
    public const int AT_SYMLINK_NOFOLLOW = 0x100, AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000;

    /// <summary>Longest single name component (NAME_MAX) and path (PATH_MAX) in bytes.</summary>
    public const int NameMax = 255, PathMax = 4096;

    /// <summary>openat(2) with a NUL-terminated path. Returns the fd or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "openat", SetLastError = true)]
    internal static partial int Openat(SafeFd dirfd, ReadOnlySpan<byte> pathZ, OpenFlags flags, uint mode);

    /// <summary>openat(2) on a raw dirfd (AT_FDCWD, or a descriptor a lease keeps open).</summary>
    [LibraryImport(LibName, EntryPoint = "openat", SetLastError = true)]
    private static partial int Openat(int dirfd, ReadOnlySpan<byte> pathZ, OpenFlags flags, uint mode);

    /// <summary>pread(2) into <paramref name="buffer"/>. Returns bytes read (0 at end of file) or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "pread64", SetLastError = true)]
    internal static partial nint Pread(SafeFd fd, Span<byte> buffer, nuint count, long offset);

    /// <summary>pread(2) on a raw descriptor: for test clients that hold only a number.
    /// Returns bytes read (0 at end of file) or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "pread64", SetLastError = true)]
    public static unsafe partial nint Pread(int fd, byte* buffer, nuint count, long offset);

    /// <summary>readlinkat(2) with a NUL-terminated path (an empty path with an O_PATH fd reads that link).
    /// Returns the target length (no NUL is written) or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "readlinkat", SetLastError = true)]
    internal static partial nint Readlinkat(SafeFd dirfd, ReadOnlySpan<byte> pathZ, Span<byte> buffer, nuint size);

    [LibraryImport(LibName, EntryPoint = "readlinkat", SetLastError = true)]
    private static partial nint Readlinkat(int dirfd, ReadOnlySpan<byte> pathZ, Span<byte> buffer, nuint size);

    /// <summary>
    /// openat(dirfd, name, flags) for one name component (no '/', no NUL, not empty), retried on EINTR.
    /// Returns an owned fd, or null with <paramref name="errno"/> set.
    /// </summary>
    public static SafeFd? OpenatName(SafeFd dirfd, ReadOnlySpan<byte> name, OpenFlags flags, out Errno errno)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        return TryTerminateName(name, nameZ, out errno) ? OpenatZ(dirfd, nameZ, flags, out errno) : null;
    }

    /// <inheritdoc cref="OpenatName(SafeFd, ReadOnlySpan{byte}, OpenFlags, out Errno)"/>
    /// <remarks>Raw dirfd: for a directory that a lease keeps open (BackingTree, the forward view) and for
    /// src/ReverseCrypt.FileSystems/Reverse until it is converted.</remarks>
    public static SafeFd? OpenatName(int dirfd, ReadOnlySpan<byte> name, OpenFlags flags, out Errno errno)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        return TryTerminateName(name, nameZ, out errno) ? OpenatZ(dirfd, nameZ, flags, out errno) : null;
    }

    /// <summary>openat(2) with a NUL-terminated path (the span holds the NUL), O_CLOEXEC added, retried on EINTR.
    /// Null with <paramref name="errno"/> on failure.</summary>
    public static SafeFd? OpenatZ(SafeFd dirfd, ReadOnlySpan<byte> pathZ, OpenFlags flags, out Errno errno)
    {
        int fd = RetryOnEintr(dirfd, pathZ, flags | OpenFlags.O_CLOEXEC, static (d, p, f) => Openat(d, p, f, 0), out errno);
        return fd >= 0 ? new SafeFd(fd) : null;
    }

    /// <summary>openat(2) with a NUL-terminated path, relative to a raw dirfd: <see cref="AT_FDCWD"/> (no descriptor
    /// at all) or a directory a lease keeps open. Null with <paramref name="errno"/> on failure.</summary>
    public static unsafe SafeFd? OpenatZ(int dirfd, byte* pathZ, OpenFlags flags, out Errno errno) =>
        OpenatZ(dirfd, Terminated(pathZ), flags, out errno);

    /// <inheritdoc cref="OpenatZ(int, byte*, OpenFlags, out Errno)"/>
    public static SafeFd? OpenatZ(int dirfd, ReadOnlySpan<byte> pathZ, OpenFlags flags, out Errno errno)
    {
        int fd = RetryOnEintr(dirfd, pathZ, flags | OpenFlags.O_CLOEXEC, static (d, p, f) => Openat(d, p, f, 0), out errno);
        return fd >= 0 ? new SafeFd(fd) : null;
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> from <paramref name="offset"/> with pread, looping over short reads until
    /// the buffer is full or end of file. Returns the bytes read (fewer than requested only at end of file), or -1
    /// with <paramref name="errno"/> set.
    /// </summary>
    public static int PreadFull(SafeFd fd, Span<byte> buffer, long offset, out Errno errno)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            var rest = buffer[total..];
            nint n = RetryOnEintr(fd, rest, offset + total, static (f, b, o) => Pread(f, b, (nuint)b.Length, o), out errno);
            if (n < 0)
            {
                return -1;
            }
            if (n == 0)
            {
                break;
            }
            total += (int)n;
        }
        errno = Errno.OK;
        return total;
    }

    /// <summary>readlinkat for one name component in <paramref name="dirfd"/>. Returns the target length, or -1 with
    /// <paramref name="errno"/> set (ENAMETOOLONG when the target does not fit into <paramref name="target"/>).</summary>
    public static int ReadlinkatName(SafeFd dirfd, ReadOnlySpan<byte> name, Span<byte> target, out Errno errno)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out errno))
        {
            return -1;
        }
        nint n = RetryOnEintr(dirfd, (ReadOnlySpan<byte>)nameZ, target,
            static (d, p, t) => Readlinkat(d, p, t, (nuint)t.Length), out errno);
        return CheckLinkLength(n, target.Length, ref errno);
    }

    /// <inheritdoc cref="ReadlinkatName(SafeFd, ReadOnlySpan{byte}, Span{byte}, out Errno)"/>
    /// <remarks>Raw dirfd: for a directory that a lease keeps open (BackingTree).</remarks>
    public static int ReadlinkatName(int dirfd, ReadOnlySpan<byte> name, Span<byte> target, out Errno errno)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out errno))
        {
            return -1;
        }
        nint n = RetryOnEintr(dirfd, (ReadOnlySpan<byte>)nameZ, target,
            static (d, p, t) => Readlinkat(d, p, t, (nuint)t.Length), out errno);
        return CheckLinkLength(n, target.Length, ref errno);
    }

    private static int CheckLinkLength(nint length, int capacity, ref Errno errno)
    {
        if (length < 0)
        {
            return -1;
        }
        if (length == capacity)
        {
            // The target may have been cut: readlink never says so itself.
            errno = Errno.ENAMETOOLONG;
            return -1;
        }
        return (int)length;
    }

    /// <summary>A count and file offset, the scalar arguments of one pread.</summary>
    private readonly record struct ReadAt(int Count, long Offset);

    /// <summary>True for a usable single name component: 1..255 bytes, no '/', no NUL, not "." or "..".</summary>
    public static bool IsValidName(ReadOnlySpan<byte> name) =>
        name.Length is > 0 and <= NameMax
        && name.IndexOfAny((byte)'/', (byte)0) < 0
        && !(name.Length == 1 && name[0] == (byte)'.')
        && !(name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.');

    /// <summary>Copies <paramref name="name"/> into <paramref name="destination"/> and appends the NUL; returns the
    /// terminated part.</summary>
    private static ReadOnlySpan<byte> CopyTerminated(ReadOnlySpan<byte> name, Span<byte> destination)
    {
        name.CopyTo(destination);
        destination[name.Length] = 0;
        return destination[..(name.Length + 1)];
    }

    /// <summary>Checks one name component and copies it NUL-terminated into <paramref name="destination"/>
    /// (NameMax + 1 bytes), for an import that reads it up to the NUL.</summary>
    private static bool TryTerminateName(ReadOnlySpan<byte> name, scoped Span<byte> destination, out Errno errno)
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

    /// <summary>A NUL-terminated C string as a span that includes its NUL (what the span-taking imports pin).</summary>
    private static unsafe ReadOnlySpan<byte> Terminated(byte* pathZ) =>
        new(pathZ, MemoryMarshal.CreateReadOnlySpanFromNullTerminated(pathZ).Length + 1);
}
