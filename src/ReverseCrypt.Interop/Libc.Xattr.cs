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
    public static unsafe partial nint Llistxattr(byte* pathZ, byte* list, nuint size);

    [LibraryImport(LibName, EntryPoint = "lgetxattr", SetLastError = true)]
    public static unsafe partial nint Lgetxattr(byte* pathZ, byte* nameZ, byte* value, nuint size);

    [LibraryImport(LibName, EntryPoint = "listxattr", SetLastError = true)]
    public static unsafe partial nint Listxattr(byte* pathZ, byte* list, nuint size);

    [LibraryImport(LibName, EntryPoint = "getxattr", SetLastError = true)]
    public static unsafe partial nint Getxattr(byte* pathZ, byte* nameZ, byte* value, nuint size);

    /// <summary>
    /// listxattr of <paramref name="name"/> inside directory <paramref name="dirfd"/> (not following it), or of the
    /// directory itself when <paramref name="name"/> is empty. An empty <paramref name="list"/> asks for the size.
    /// Returns the list length or -1 with <paramref name="errno"/> set (ERANGE: too small).
    /// </summary>
    public static unsafe int ListxattrAt(int dirfd, ReadOnlySpan<byte> name, Span<byte> list, out Errno errno)
    {
        byte* pathZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(dirfd, name, pathZ, out errno))
        {
            return -1;
        }
        fixed (byte* l = list)
        {
            while (true)
            {
                nint n = name.IsEmpty ? Listxattr(pathZ, l, (nuint)list.Length) : Llistxattr(pathZ, l, (nuint)list.Length);
                if (n >= 0)
                {
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

    /// <summary>
    /// getxattr of attribute <paramref name="attrName"/> (no NUL) of <paramref name="name"/> inside directory
    /// <paramref name="dirfd"/> (not following it), or of the directory itself when <paramref name="name"/> is empty.
    /// An empty <paramref name="value"/> asks for the size. Returns the value length or -1 with
    /// <paramref name="errno"/> set (ENODATA: no such attribute, ERANGE: too small).
    /// </summary>
    public static unsafe int GetxattrAt(int dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName, Span<byte> value,
        out Errno errno)
    {
        if (attrName.IsEmpty || attrName.Length > XattrNameMax || attrName.Contains((byte)0))
        {
            errno = attrName.Length > XattrNameMax ? Errno.ERANGE : Errno.EINVAL;
            return -1;
        }
        byte* pathZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(dirfd, name, pathZ, out errno))
        {
            return -1;
        }
        byte* attrZ = stackalloc byte[XattrNameMax + 1];
        CopyTerminated(attrName, attrZ);
        fixed (byte* v = value)
        {
            while (true)
            {
                nint n = name.IsEmpty
                    ? Getxattr(pathZ, attrZ, v, (nuint)value.Length)
                    : Lgetxattr(pathZ, attrZ, v, (nuint)value.Length);
                if (n >= 0)
                {
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

    // "/proc/self/fd/" + up to 10 digits + "/" + NAME_MAX + NUL
    private const int ProcFdPathMax = 14 + 10 + 1 + NameMax + 1;

    private static unsafe bool TryBuildProcFdPath(int dirfd, ReadOnlySpan<byte> name, byte* destination, out Errno errno)
    {
        if (dirfd < 0 || (!name.IsEmpty && !IsValidName(name)))
        {
            errno = dirfd < 0 ? Errno.EBADF : Errno.EINVAL;
            return false;
        }
        var path = new Span<byte>(destination, ProcFdPathMax);
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
