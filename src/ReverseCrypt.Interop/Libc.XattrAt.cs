using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// XattrAt family: getxattrat(2) and listxattrat(2) (Linux 6.13+), which read the attributes of a name inside a
/// directory descriptor with AT_SYMLINK_NOFOLLOW, one path component instead of the "/proc/self/fd/N/NAME" walk of
/// <see cref="GetxattrAt"/> and <see cref="ListxattrAt"/>. On older kernels (ENOSYS, remembered) both helpers fall
/// back to those. Raw system calls through syscall(2) (glibc has no wrappers yet); x86-64 numbers.
/// </summary>
public static partial class Libc
{
    private const long SYS_getxattrat = 464, SYS_listxattrat = 465;

    private static volatile bool s_noXattrAt;

    /// <summary>struct xattr_args of getxattrat(2).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct XattrArgs
    {
        public ulong Value;
        public uint Size;
        public uint Flags;
    }

    [LibraryImport(LibName, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall6(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    /// <summary>
    /// listxattr of <paramref name="name"/> inside <paramref name="dirfd"/> (not following it), or of the directory
    /// itself when <paramref name="name"/> is empty: like <see cref="ListxattrAt"/>, with one system call and no path
    /// walk where the kernel has listxattrat. Returns the list length or -1 with <paramref name="errno"/> set.
    /// </summary>
    public static unsafe int ListxattrNoFollow(int dirfd, ReadOnlySpan<byte> name, Span<byte> list, out Errno errno)
    {
        if (s_noXattrAt || name.IsEmpty || dirfd < 0 || !IsValidName(name))
        {
            return ListxattrAt(dirfd, name, list, out errno);
        }
        byte* nameZ = stackalloc byte[NameMax + 1];
        CopyTerminated(name, nameZ);
        fixed (byte* l = list)
        {
            while (true)
            {
                nint n = Syscall6(SYS_listxattrat, dirfd, (nint)nameZ, AT_SYMLINK_NOFOLLOW, (nint)l, list.Length, 0);
                if (n >= 0)
                {
                    errno = Errno.OK;
                    return (int)n;
                }
                errno = LastErrno;
                if (errno == Errno.ENOSYS)
                {
                    s_noXattrAt = true;
                    return ListxattrAt(dirfd, name, list, out errno);
                }
                if (errno != Errno.EINTR)
                {
                    return -1;
                }
            }
        }
    }

    /// <summary>
    /// getxattr of <paramref name="attrName"/> of <paramref name="name"/> inside <paramref name="dirfd"/> (not
    /// following it), or of the directory itself when <paramref name="name"/> is empty: like <see cref="GetxattrAt"/>,
    /// with one system call and no path walk where the kernel has getxattrat. An empty <paramref name="value"/> asks
    /// for the size. Returns the value length or -1 with <paramref name="errno"/> set.
    /// </summary>
    public static unsafe int GetxattrNoFollow(int dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName,
        Span<byte> value, out Errno errno)
    {
        if (s_noXattrAt || name.IsEmpty || dirfd < 0 || !IsValidName(name)
            || attrName.IsEmpty || attrName.Length > XattrNameMax || attrName.Contains((byte)0))
        {
            return GetxattrAt(dirfd, name, attrName, value, out errno);
        }
        byte* nameZ = stackalloc byte[NameMax + 1];
        CopyTerminated(name, nameZ);
        byte* attrZ = stackalloc byte[XattrNameMax + 1];
        CopyTerminated(attrName, attrZ);
        fixed (byte* v = value)
        {
            var args = new XattrArgs { Value = (ulong)v, Size = (uint)value.Length };
            while (true)
            {
                nint n = Syscall6(SYS_getxattrat, dirfd, (nint)nameZ, AT_SYMLINK_NOFOLLOW, (nint)attrZ, (nint)(&args),
                    sizeof(XattrArgs));
                if (n >= 0)
                {
                    errno = Errno.OK;
                    return (int)n;
                }
                errno = LastErrno;
                if (errno == Errno.ENOSYS)
                {
                    s_noXattrAt = true;
                    return GetxattrAt(dirfd, name, attrName, value, out errno);
                }
                if (errno != Errno.EINTR)
                {
                    return -1;
                }
            }
        }
    }
}
