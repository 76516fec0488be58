using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Xattr write family: fsetxattr for open files and directories, and lsetxattr through "/proc/self/fd/DIRFD/NAME"
/// for objects that must not be opened or followed (symlinks, FIFOs, device nodes), like the read helpers of
/// Libc.Xattr.cs. Raw imports return 0 or -1; the helpers retry EINTR and return an <see cref="Errno"/>.
/// </summary>
public static partial class Libc
{
    /// <summary>setxattr flags.</summary>
    public const int XATTR_CREATE = 1, XATTR_REPLACE = 2;

    [LibraryImport(LibName, EntryPoint = "fsetxattr", SetLastError = true)]
    internal static partial int Fsetxattr(SafeFd fd, ReadOnlySpan<byte> nameZ, ReadOnlySpan<byte> value, nuint size,
        int flags);

    [LibraryImport(LibName, EntryPoint = "lsetxattr", SetLastError = true)]
    private static partial int Lsetxattr(ReadOnlySpan<byte> pathZ, ReadOnlySpan<byte> nameZ, ReadOnlySpan<byte> value,
        nuint size, int flags);

    [LibraryImport(LibName, EntryPoint = "lremovexattr", SetLastError = true)]
    private static partial int Lremovexattr(ReadOnlySpan<byte> pathZ, ReadOnlySpan<byte> nameZ);

    /// <summary>fsetxattr(fd, attrName, value, flags), retried on EINTR.</summary>
    public static Errno FsetxattrFd(SafeFd fd, ReadOnlySpan<byte> attrName, ReadOnlySpan<byte> value, int flags)
    {
        Span<byte> attrZ = stackalloc byte[XattrNameMax + 1];
        if (!TryTerminateAttrName(attrName, attrZ, out var errno))
        {
            return errno;
        }
        RetryOnEintr(fd, (ReadOnlySpan<byte>)attrZ, new SetxattrValue(value, flags),
            static (f, a, v) => Fsetxattr(f, a, v.Value, (nuint)v.Value.Length, v.Flags), out errno);
        return errno;
    }

    /// <summary>lsetxattr of <paramref name="name"/> inside <paramref name="dirfd"/> (the object itself, never a
    /// symlink's target), retried on EINTR.</summary>
    public static Errno SetxattrAt(SafeFd dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName,
        ReadOnlySpan<byte> value, int flags)
    {
        using var number = new FdLease(dirfd);
        return SetxattrAt(number.Fd, name, attrName, value, flags);
    }

    /// <inheritdoc cref="SetxattrAt(SafeFd, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, int)"/>
    /// <remarks>Raw dirfd: the number goes into a /proc/self/fd path; the caller keeps it open.</remarks>
    public static Errno SetxattrAt(int dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName, ReadOnlySpan<byte> value,
        int flags)
    {
        if (attrName.IsEmpty || attrName.Length > XattrNameMax || attrName.Contains((byte)0))
        {
            return attrName.Length > XattrNameMax ? Errno.ERANGE : Errno.EINVAL;
        }
        if (name.IsEmpty)
        {
            return Errno.EINVAL;
        }
        Span<byte> pathZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(dirfd, name, pathZ, out var errno))
        {
            return errno;
        }
        Span<byte> attrZ = stackalloc byte[XattrNameMax + 1];
        CopyTerminated(attrName, attrZ);
        RetryOnEintr((ReadOnlySpan<byte>)pathZ, (ReadOnlySpan<byte>)attrZ, new SetxattrValue(value, flags),
            static (p, a, v) => Lsetxattr(p, a, v.Value, (nuint)v.Value.Length, v.Flags), out errno);
        return errno;
    }

    /// <summary>lremovexattr of <paramref name="name"/> inside <paramref name="dirfd"/>, retried on EINTR.</summary>
    public static Errno RemovexattrAt(SafeFd dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName)
    {
        using var number = new FdLease(dirfd);
        return RemovexattrAt(number.Fd, name, attrName);
    }

    /// <inheritdoc cref="RemovexattrAt(SafeFd, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
    /// <remarks>Raw dirfd: the number goes into a /proc/self/fd path; the caller keeps it open.</remarks>
    public static Errno RemovexattrAt(int dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName)
    {
        if (attrName.IsEmpty || attrName.Length > XattrNameMax || attrName.Contains((byte)0) || name.IsEmpty)
        {
            return Errno.EINVAL;
        }
        Span<byte> pathZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(dirfd, name, pathZ, out var errno))
        {
            return errno;
        }
        Span<byte> attrZ = stackalloc byte[XattrNameMax + 1];
        CopyTerminated(attrName, attrZ);
        RetryOnEintr((ReadOnlySpan<byte>)pathZ, (ReadOnlySpan<byte>)attrZ, static (p, a) => Lremovexattr(p, a), out errno);
        return errno;
    }

    /// <summary>The value and flags of one setxattr call.</summary>
    private readonly ref struct SetxattrValue(ReadOnlySpan<byte> value, int flags)
    {
        public readonly ReadOnlySpan<byte> Value = value;
        public readonly int Flags = flags;
    }
}
