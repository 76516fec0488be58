using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Xattr family: (f|l)listxattr and (f|l)getxattr, plus helpers that reach an object as a name inside a directory fd
/// without following a symlink: the path "/proc/self/fd/DIRFD/NAME" with the l* calls (the directory is reached
/// through the fd's magic link, the last component is not followed). This also works for symlinks, FIFOs and device
/// nodes, which must never be opened.
/// </summary>
public static partial class Libc
{
    /// <summary>Longest xattr name (XATTR_NAME_MAX) and longest value or list (XATTR_SIZE_MAX / XATTR_LIST_MAX).</summary>
    public const int XattrNameMax = 255, XattrSizeMax = 65536;

    [LibraryImport(LibName, EntryPoint = "llistxattr", SetLastError = true)]
    private static partial nint Llistxattr(ReadOnlySpan<byte> pathZ, Span<byte> list, nuint size);

    [LibraryImport(LibName, EntryPoint = "lgetxattr", SetLastError = true)]
    private static partial nint Lgetxattr(ReadOnlySpan<byte> pathZ, ReadOnlySpan<byte> nameZ, Span<byte> value, nuint size);

    [LibraryImport(LibName, EntryPoint = "listxattr", SetLastError = true)]
    private static partial nint Listxattr(ReadOnlySpan<byte> pathZ, Span<byte> list, nuint size);

    [LibraryImport(LibName, EntryPoint = "getxattr", SetLastError = true)]
    private static partial nint Getxattr(ReadOnlySpan<byte> pathZ, ReadOnlySpan<byte> nameZ, Span<byte> value, nuint size);

    /// <summary>
    /// listxattr of <paramref name="name"/> inside directory <paramref name="dirfd"/> (not following it), or of the
    /// directory itself when <paramref name="name"/> is empty. An empty <paramref name="list"/> asks for the size.
    /// Returns the list length or -1 with <paramref name="errno"/> set (ERANGE: too small).
    /// </summary>
    public static int ListxattrAt(SafeFd dirfd, ReadOnlySpan<byte> name, Span<byte> list, out Errno errno)
    {
        using var number = new FdLease(dirfd);
        return ListxattrAt(number.Fd, name, list, out errno);
    }

    /// <inheritdoc cref="ListxattrAt(SafeFd, ReadOnlySpan{byte}, Span{byte}, out Errno)"/>
    /// <remarks>Raw dirfd: the number goes into a /proc/self/fd path; the caller keeps it open (a lease, or
    /// <see cref="FdLease"/>).</remarks>
    public static int ListxattrAt(int dirfd, ReadOnlySpan<byte> name, Span<byte> list, out Errno errno)
    {
        Span<byte> pathZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(dirfd, name, pathZ, out errno))
        {
            return -1;
        }
        return name.IsEmpty
            ? (int)RetryOnEintr((ReadOnlySpan<byte>)pathZ, list, static (p, l) => Listxattr(p, l, (nuint)l.Length), out errno)
            : (int)RetryOnEintr((ReadOnlySpan<byte>)pathZ, list, static (p, l) => Llistxattr(p, l, (nuint)l.Length), out errno);
    }

    /// <summary>
    /// getxattr of attribute <paramref name="attrName"/> (no NUL) of <paramref name="name"/> inside directory
    /// <paramref name="dirfd"/> (not following it), or of the directory itself when <paramref name="name"/> is empty.
    /// An empty <paramref name="value"/> asks for the size. Returns the value length or -1 with
    /// <paramref name="errno"/> set (ENODATA: no such attribute, ERANGE: too small).
    /// </summary>
    public static int GetxattrAt(SafeFd dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName, Span<byte> value,
        out Errno errno)
    {
        using var number = new FdLease(dirfd);
        return GetxattrAt(number.Fd, name, attrName, value, out errno);
    }

    /// <inheritdoc cref="GetxattrAt(SafeFd, ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, out Errno)"/>
    /// <remarks>Raw dirfd: the number goes into a /proc/self/fd path; the caller keeps it open (a lease, or
    /// <see cref="FdLease"/>).</remarks>
    public static int GetxattrAt(int dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName, Span<byte> value,
        out Errno errno)
    {
        Span<byte> attrZ = stackalloc byte[XattrNameMax + 1];
        if (!TryTerminateAttrName(attrName, attrZ, out errno))
        {
            return -1;
        }
        Span<byte> pathZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(dirfd, name, pathZ, out errno))
        {
            return -1;
        }
        return name.IsEmpty
            ? (int)RetryOnEintr((ReadOnlySpan<byte>)pathZ, (ReadOnlySpan<byte>)attrZ, value,
                static (p, a, v) => Getxattr(p, a, v, (nuint)v.Length), out errno)
            : (int)RetryOnEintr((ReadOnlySpan<byte>)pathZ, (ReadOnlySpan<byte>)attrZ, value,
                static (p, a, v) => Lgetxattr(p, a, v, (nuint)v.Length), out errno);
    }

    /// <summary>Checks an attribute name (1..255 bytes, no NUL) and copies it NUL-terminated into
    /// <paramref name="destination"/> (XattrNameMax + 1 bytes). ERANGE when too long, EINVAL otherwise.</summary>
    private static bool TryTerminateAttrName(ReadOnlySpan<byte> attrName, scoped Span<byte> destination, out Errno errno)
    {
        if (attrName.IsEmpty || attrName.Length > XattrNameMax || attrName.Contains((byte)0))
        {
            errno = attrName.Length > XattrNameMax ? Errno.ERANGE : Errno.EINVAL;
            return false;
        }
        CopyTerminated(attrName, destination);
        errno = Errno.OK;
        return true;
    }

    // "/proc/self/fd/" + up to 10 digits + "/" + NAME_MAX + NUL
    private const int ProcFdPathMax = 14 + 10 + 1 + NameMax + 1;

    private static bool TryBuildProcFdPath(int dirfd, ReadOnlySpan<byte> name, scoped Span<byte> path, out Errno errno)
    {
        if (dirfd < 0 || (!name.IsEmpty && !IsValidName(name)))
        {
            errno = dirfd < 0 ? Errno.EBADF : Errno.EINVAL;
            return false;
        }
        "/proc/self/fd/"u8.CopyTo(path);
        int length = 14;
        if (!dirfd.TryFormat(path[length..], out int digits, provider: System.Globalization.CultureInfo.InvariantCulture))
        {
            errno = Errno.EINVAL;
            return false;
        }
        length += digits;
        if (!name.IsEmpty)
        {
            path[length++] = (byte)'/';
            name.CopyTo(path[length..]);
            length += name.Length;
        }
        path[length] = 0;
        errno = Errno.OK;
        return true;
    }
}
