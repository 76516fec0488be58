using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations;

/// <summary>Real paths (symlinks resolved) as the kernel has them, for comparing places given by different paths.</summary>
internal static class RealPath
{
    /// <summary>The path the kernel has for an open directory (/proc/self/fd/N), or null.</summary>
    public static string? Of(SafeFd fd)
    {
        // The kernel is asked by number, inside a path: hold it for the call.
        using var lease = new FdLease(fd);
        try
        {
            return new FileInfo($"/proc/self/fd/{lease.Fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Where a directory is or would be created: the real path of its deepest existing ancestor plus the
    /// rest of the given path; null when none can be opened.</summary>
    public static string? Of(string path)
    {
        var full = Path.GetFullPath(path);
        var missing = new Stack<string>();
        var existing = full;
        while (!Directory.Exists(existing))
        {
            missing.Push(Path.GetFileName(existing));
            existing = Path.GetDirectoryName(existing);
            if (existing is null)
            {
                return null;
            }
        }
        using var fd = CipherIo.OpenRootDirectory(existing, out _);
        var real = fd is null ? null : Of(fd);
        return real is null ? null : Path.Combine([real, .. missing]);
    }
}
