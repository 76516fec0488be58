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
    public static unsafe partial int Fsetxattr(int fd, byte* nameZ, byte* value, nuint size, int flags);

    [LibraryImport(LibName, EntryPoint = "lsetxattr", SetLastError = true)]
    public static unsafe partial int Lsetxattr(byte* pathZ, byte* nameZ, byte* value, nuint size, int flags);

    [LibraryImport(LibName, EntryPoint = "lremovexattr", SetLastError = true)]
    public static unsafe partial int Lremovexattr(byte* pathZ, byte* nameZ);

    /// <summary>fsetxattr(fd, attrName, value, flags), retried on EINTR.</summary>
    public static unsafe Errno FsetxattrFd(int fd, ReadOnlySpan<byte> attrName, ReadOnlySpan<byte> value, int flags)
    {
        if (attrName.IsEmpty || attrName.Length > XattrNameMax || attrName.Contains((byte)0))
        {
            return attrName.Length > XattrNameMax ? Errno.ERANGE : Errno.EINVAL;
        }
        byte* attrZ = stackalloc byte[XattrNameMax + 1];
        CopyTerminated(attrName, attrZ);
        fixed (byte* v = value)
        {
            Errno result;
            do
            {
                result = ResultOf(Fsetxattr(fd, attrZ, v, (nuint)value.Length, flags));
            }
            while (result == Errno.EINTR);
            return result;
        }
    }

    /// <summary>lsetxattr of <paramref name="name"/> inside <paramref name="dirfd"/> (the object itself, never a
    /// symlink's target), retried on EINTR.</summary>
    public static unsafe Errno SetxattrAt(int dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName, ReadOnlySpan<byte> value,
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
        byte* pathZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(dirfd, name, pathZ, out var errno))
        {
            return errno;
        }
        byte* attrZ = stackalloc byte[XattrNameMax + 1];
        CopyTerminated(attrName, attrZ);
        fixed (byte* v = value)
        {
            Errno result;
            do
            {
                result = ResultOf(Lsetxattr(pathZ, attrZ, v, (nuint)value.Length, flags));
            }
            while (result == Errno.EINTR);
            return result;
        }
    }

    /// <summary>lremovexattr of <paramref name="name"/> inside <paramref name="dirfd"/>, retried on EINTR.</summary>
    public static unsafe Errno RemovexattrAt(int dirfd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attrName)
    {
        if (attrName.IsEmpty || attrName.Length > XattrNameMax || attrName.Contains((byte)0) || name.IsEmpty)
        {
            return Errno.EINVAL;
        }
        byte* pathZ = stackalloc byte[ProcFdPathMax];
        if (!TryBuildProcFdPath(dirfd, name, pathZ, out var errno))
        {
            return errno;
        }
        byte* attrZ = stackalloc byte[XattrNameMax + 1];
        CopyTerminated(attrName, attrZ);
        Errno result;
        do
        {
            result = ResultOf(Lremovexattr(pathZ, attrZ));
        }
        while (result == Errno.EINTR);
        return result;
    }
}
