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
    /// itself when <paramref name="name"/> is empty: like <see cref="ListxattrAt(SafeFd, ReadOnlySpan{byte}, Span{byte}, out Errno)"/>,
    /// with one system call and no path walk where the kernel has listxattrat. Returns the list length or -1 with
    /// <paramref name="errno"/> set.
    /// </summary>
    public static int ListxattrNoFollow(SafeFd dirfd, ReadOnlySpan<byte> name, Span<byte> list, out Errno errno)
    {
        // The fallback writes the number into a /proc/self/fd path, so it is held for the whole call.
        using var number = new FdLease(dirfd);
        return ListxattrNoFollow(number.Fd, name, list, out errno);
    }

    /// <inheritdoc cref="ListxattrNoFollow(SafeFd, ReadOnlySpan{byte}, Span{byte}, out Errno)"/>
    /// <remarks>Raw dirfd: for a directory that a lease keeps open (BackingTree).</remarks>
    public static unsafe int ListxattrNoFollow(int dirfd, ReadOnlySpan<byte> name, Span<byte> list, out Errno errno)
    {
        if (s_noXattrAt || name.IsEmpty || dirfd < 0 || !IsValidName(name))
        {
            return ListxattrAt(dirfd, name, list, out errno);
        }
        byte* nameZ = stackalloc byte[NameMax + 1];
        CopyTerminated(name, new Span<byte>(nameZ, NameMax + 1));
        fixed (byte* l = list)
        {
            nint n = RetryOnEintr(dirfd, (nint)nameZ, new XattrBuffer((nint)l, list.Length),
                static (d, p, b) => Syscall6(SYS_listxattrat, d, p, AT_SYMLINK_NOFOLLOW, b.Address, b.Length, 0), out errno);
            if (n < 0 && errno == Errno.ENOSYS)
            {
                s_noXattrAt = true;
                return ListxattrAt(dirfd, name, list, out errno);
            }
            return (int)n;
        }
    }

    /// <summary>
    /// getxattr of <paramref name="attrName"/> of <paramref name="name"/> inside <paramref name="dirfd"/> (not
    /// following it), or of the directory itself when <paramref name="name"/> is empty: like
    /// <see cref="GetxattrAt(SafeFd, ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, out Errno)"/>, with one system
    /// call and no path walk where the kernel has getxattrat. An empty <paramref name="value"/> asks for the size.
    /// Returns the value length or -1 with <paramref name="errno"/> set.
    /// </summary>
    public static int GetxattrNoFollow(SafeFd dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName,
        Span<byte> value, out Errno errno)
    {
        using var number = new FdLease(dirfd);
        return GetxattrNoFollow(number.Fd, name, attrName, value, out errno);
    }

    /// <inheritdoc cref="GetxattrNoFollow(SafeFd, ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, out Errno)"/>
    /// <remarks>Raw dirfd: for a directory that a lease keeps open (BackingTree).</remarks>
    public static unsafe int GetxattrNoFollow(int dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName,
        Span<byte> value, out Errno errno)
    {
        if (s_noXattrAt || name.IsEmpty || dirfd < 0 || !IsValidName(name)
            || attrName.IsEmpty || attrName.Length > XattrNameMax || attrName.Contains((byte)0))
        {
            return GetxattrAt(dirfd, name, attrName, value, out errno);
        }
        byte* nameZ = stackalloc byte[NameMax + 1];
        CopyTerminated(name, new Span<byte>(nameZ, NameMax + 1));
        byte* attrZ = stackalloc byte[XattrNameMax + 1];
        CopyTerminated(attrName, new Span<byte>(attrZ, XattrNameMax + 1));
        fixed (byte* v = value)
        {
            var args = new XattrArgs { Value = (ulong)v, Size = (uint)value.Length };
            nint n = RetryOnEintr(dirfd, (nint)nameZ, new XattrBuffer((nint)attrZ, (nint)(&args)),
                static (d, p, b) => Syscall6(SYS_getxattrat, d, p, AT_SYMLINK_NOFOLLOW, b.Address, b.Length,
                    sizeof(XattrArgs)), out errno);
            if (n < 0 && errno == Errno.ENOSYS)
            {
                s_noXattrAt = true;
                return GetxattrAt(dirfd, name, attrName, value, out errno);
            }
            return (int)n;
        }
    }

    /// <summary>Two pointer-sized system call arguments (an address and a length, or two addresses).</summary>
    private readonly record struct XattrBuffer(nint Address, nint Length);
}
