using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>Mount family: mount(2) and umount2(2). Paths and options are UTF-8 strings. Both return 0 or -1.</summary>
public static partial class Libc
{
    /// <summary>mount(2) flags.</summary>
    public const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_NOATIME = 1024;

    /// <summary>umount2(2) flags: MNT_FORCE, MNT_DETACH (lazy), UMOUNT_NOFOLLOW.</summary>
    public const int MNT_FORCE = 1, MNT_DETACH = 2, UMOUNT_NOFOLLOW = 8;

    /// <summary>mount(2). Returns 0 or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string filesystemType, ulong flags, string? data);

    /// <summary>umount2(2). Returns 0 or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    /// <summary>realpath(3) with a malloc'd result (resolved = NULL). Returns the pointer (free it with
    /// <see cref="Free"/>) or 0.</summary>
    [LibraryImport(LibName, EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Realpath(string path, nint resolved);

    /// <summary>free(3).</summary>
    public static void Free(nint memory) => FreeImport(memory);

    [LibraryImport(LibName, EntryPoint = "free")]
    private static partial void FreeImport(nint memory);

    /// <summary>The canonical absolute path (symlinks, "." and ".." resolved), or null with <paramref name="errno"/>.</summary>
    public static string? RealpathString(string path, out Errno errno)
    {
        nint resolved = Realpath(path, 0);
        if (resolved == 0)
        {
            errno = LastErrno;
            return null;
        }
        try
        {
            errno = Errno.OK;
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }
}
