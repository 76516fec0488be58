using System.Text;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// Detects a mountpoint inside the plaintext tree, which would make the view contain itself (the kernel would recurse
/// into the mount while the view lists PLAINDIR). Compares directories by identity (device and inode), so symlinks
/// and bind mounts leading back into PLAINDIR are caught too.
/// </summary>
public static class MountpointGuard
{
    /// <summary>True when <paramref name="mountPoint"/> is <paramref name="plainRoot"/> or lies anywhere below it.
    /// False when either does not exist (other checks report that).</summary>
    public static bool IsInsidePlainRoot(string plainRoot, string mountPoint)
    {
        ArgumentNullException.ThrowIfNull(plainRoot);
        ArgumentNullException.ThrowIfNull(mountPoint);
        if (StatFollow(plainRoot, out var rootStat) != Errno.OK)
        {
            return false;
        }
        string? canonical = Canonical(mountPoint);
        if (canonical is null)
        {
            return false;
        }
        for (string? dir = canonical; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (StatFollow(dir, out var st) == Errno.OK && st.Dev == rootStat.Dev && st.Ino == rootStat.Ino)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The path with every symlink resolved (realpath), via the /proc link of an O_PATH descriptor.</summary>
    private static string? Canonical(string path)
    {
        using var fd = Backing.BackingTree.OpenPath(path, Libc.OpenFlags.O_PATH, out _);
        if (fd is null)
        {
            return null;
        }
        try
        {
            var target = new FileInfo($"/proc/self/fd/{fd.Fd}").LinkTarget;
            return string.IsNullOrEmpty(target) || target[0] != '/' ? null : target;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static unsafe Errno StatFollow(string path, out Libc.StatxBuffer st)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        fixed (byte* p = bytes)
        {
            return Libc.StatxZ(Libc.AT_FDCWD, p, 0, out st);
        }
    }
}
