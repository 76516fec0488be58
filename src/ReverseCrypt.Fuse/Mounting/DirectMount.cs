using System.Globalization;
using System.Text;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Mounting;

/// <summary>Mounting as root: open the device, then mount(2) with "fd=N,rootmode=40000,user_id=U,group_id=G".
/// mount(2) returns before INIT is answered; the session is started afterwards.</summary>
internal static class DirectMount
{
    public static SafeFd OpenDevice(string mountpoint, string devicePath)
    {
        while (true)
        {
            int fd = Libc.Open(devicePath, Libc.OpenFlags.O_RDWR | Libc.OpenFlags.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                return new SafeFd(fd);
            }
            Errno errno = Libc.LastErrno;
            switch (errno)
            {
                case Errno.EINTR:
                    continue;
                case Errno.ENOENT or Errno.ENODEV or Errno.ENXIO or Errno.ENOTDIR:
                    throw new FuseMountException(FuseMountErrorKind.NoFuseDevice, mountpoint,
                        $"Cannot mount {mountpoint}: the FUSE device {devicePath} is missing ({Libc.Describe(errno)}); load the fuse module (modprobe fuse) or give the container the device (--device /dev/fuse).");
                case Errno.EACCES or Errno.EPERM:
                    throw new FuseMountException(FuseMountErrorKind.NotPermitted, mountpoint,
                        $"Cannot mount {mountpoint}: no access to {devicePath} ({Libc.Describe(errno)}); run as root or make the device usable (mode 0666).");
                default:
                    throw new FuseMountException(FuseMountErrorKind.MountFailed, mountpoint,
                        $"Cannot mount {mountpoint}: opening {devicePath} failed: {Libc.Describe(errno)}.");
            }
        }
    }

    /// <summary>mount(2). Returns OK, or the errno (EPERM lets the caller fall back to fusermount3).</summary>
    public static Errno Mount(string mountpoint, SafeFd device, FuseMountOptions options)
    {
        // The kernel gets the descriptor as a number in the option string; hold it until mount(2) returns.
        using var lease = new FdLease(device);
        var data = new StringBuilder();
        data.Append(CultureInfo.InvariantCulture, $"fd={lease.Fd},rootmode=40000,user_id={Libc.Getuid()},group_id={Libc.Getgid()}");
        if (options.AllowOther)
        {
            data.Append(",allow_other");
        }
        if (options.DefaultPermissions)
        {
            data.Append(",default_permissions");
        }
        ulong flags = Libc.MS_NOSUID | Libc.MS_NODEV | (options.ReadOnly ? Libc.MS_RDONLY : 0);
        while (Libc.Mount(options.EffectiveFsName, mountpoint, options.FilesystemType, flags, data.ToString()) != 0)
        {
            Errno errno = Libc.LastErrno;
            if (errno != Errno.EINTR)
            {
                return errno;
            }
        }
        return Errno.OK;
    }

    public static FuseMountException MountFailure(string mountpoint, Errno errno) => errno switch
    {
        Errno.EPERM or Errno.EACCES => new FuseMountException(FuseMountErrorKind.NotPermitted, mountpoint,
            $"Cannot mount {mountpoint}: {Libc.Describe(errno)}; run as root (CAP_SYS_ADMIN) or install fusermount3 (package fuse3)."),
        Errno.ENODEV => new FuseMountException(FuseMountErrorKind.NoFuseDevice, mountpoint,
            $"Cannot mount {mountpoint}: the kernel has no FUSE filesystem type ({Libc.Describe(errno)}); load the fuse module (modprobe fuse)."),
        Errno.ENOENT => new FuseMountException(FuseMountErrorKind.MountpointMissing, mountpoint,
            $"Cannot mount {mountpoint}: it does not exist; create it (mkdir -p {mountpoint})."),
        Errno.ENOTDIR => new FuseMountException(FuseMountErrorKind.NotADirectory, mountpoint,
            $"Cannot mount {mountpoint}: it is not a directory; choose an empty directory."),
        _ => new FuseMountException(FuseMountErrorKind.MountFailed, mountpoint,
            $"Cannot mount {mountpoint}: mount(2) failed: {Libc.Describe(errno)}."),
    };

    /// <summary>umount2(2); throws <see cref="FuseMountException"/> for EBUSY, EINVAL (not mounted) and others.</summary>
    public static void Unmount(string mountpoint, bool lazy)
    {
        int flags = Libc.UMOUNT_NOFOLLOW | (lazy ? Libc.MNT_DETACH : 0);
        while (Libc.Umount2(mountpoint, flags) != 0)
        {
            Errno errno = Libc.LastErrno;
            switch (errno)
            {
                case Errno.EINTR:
                    continue;
                case Errno.EBUSY:
                    throw new FuseMountException(FuseMountErrorKind.Busy, mountpoint,
                        $"Cannot unmount {mountpoint}: it is busy (a process has a file or its working directory there); close those programs (fuser -vm {mountpoint}) or detach it lazily (umount -l {mountpoint}).");
                case Errno.EINVAL or Errno.ENOENT:
                    throw new FuseMountException(FuseMountErrorKind.NotMounted, mountpoint,
                        $"Cannot unmount {mountpoint}: nothing is mounted there.");
                case Errno.EPERM:
                    throw new FuseMountException(FuseMountErrorKind.NotPermitted, mountpoint,
                        $"Cannot unmount {mountpoint}: {Libc.Describe(errno)}; run as root or as the user who mounted it.");
                default:
                    throw new FuseMountException(FuseMountErrorKind.MountFailed, mountpoint,
                        $"Cannot unmount {mountpoint}: {Libc.Describe(errno)}.");
            }
        }
    }
}
