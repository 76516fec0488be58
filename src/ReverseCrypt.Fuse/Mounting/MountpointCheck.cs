using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Mounting;

/// <summary>Checks a mountpoint before mounting: it exists, is a directory, has no live FUSE mount, and a stale
/// one (ENOTCONN, left by a killed server) is detached.</summary>
internal static class MountpointCheck
{
    /// <summary>The canonical path of <paramref name="path"/>; a stale mount on the last component is tolerated.</summary>
    public static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        if (full.Length > 1)
        {
            full = full.TrimEnd('/');
        }
        string? resolved = Libc.RealpathString(full, out Errno errno);
        if (resolved is not null)
        {
            return resolved;
        }
        if (errno is Errno.ENOTCONN or Errno.ECONNABORTED)
        {
            string parent = Path.GetDirectoryName(full) ?? "/";
            string? resolvedParent = Libc.RealpathString(parent, out _);
            return resolvedParent is null ? full : Path.Join(resolvedParent, Path.GetFileName(full));
        }
        throw errno switch
        {
            Errno.ENOENT => new FuseMountException(FuseMountErrorKind.MountpointMissing, full,
                $"Cannot mount {full}: the mountpoint does not exist; create it first (mkdir -p {full})."),
            Errno.ENOTDIR => new FuseMountException(FuseMountErrorKind.NotADirectory, full,
                $"Cannot mount {full}: a part of the path is not a directory; choose an empty directory."),
            Errno.EACCES => new FuseMountException(FuseMountErrorKind.NotPermitted, full,
                $"Cannot mount {full}: permission denied on the path; choose a directory you can access."),
            _ => new FuseMountException(FuseMountErrorKind.MountFailed, full,
                $"Cannot mount {full}: resolving the path failed: {Libc.Describe(errno)}."),
        };
    }

    /// <summary>Opens the directory once: OK, ENOTCONN (stale FUSE mount), or throws for missing/not a directory.</summary>
    public static Errno Probe(string mountpoint)
    {
        while (true)
        {
            int fd = Libc.Open(mountpoint, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY | Libc.OpenFlags.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                Libc.Close(fd);
                return Errno.OK;
            }
            Errno errno = Libc.LastErrno;
            switch (errno)
            {
                case Errno.EINTR:
                    continue;
                case Errno.ENOENT:
                    throw new FuseMountException(FuseMountErrorKind.MountpointMissing, mountpoint,
                        $"Cannot mount {mountpoint}: the mountpoint does not exist; create it first (mkdir -p {mountpoint}).");
                case Errno.ENOTDIR:
                    throw new FuseMountException(FuseMountErrorKind.NotADirectory, mountpoint,
                        $"Cannot mount {mountpoint}: it is not a directory; choose an empty directory.");
                default:
                    // EACCES and the like: mount(2) / fusermount3 decide and report.
                    return errno;
            }
        }
    }
}
