using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Mounting;

/// <summary>
/// Mounting without root through the setuid helper fusermount3: it opens /dev/fuse, mounts, and sends the device fd
/// back over the socket named by <c>_FUSE_COMMFD</c> (SCM_RIGHTS). .NET's Process.Start closes only CLOEXEC
/// descriptors in the child, so the child's end is created without CLOEXEC and ours gets it afterwards.
/// </summary>
internal static class Fusermount
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public static unsafe SafeFd Mount(string mountpoint, FuseMountOptions options)
    {
        var mountOptions = new StringBuilder(options.ReadOnly ? "ro" : "rw");
        mountOptions.Append(",nosuid,nodev,fsname=").Append(EscapeOption(options.EffectiveFsName));
        if (options.Subtype is not null)
        {
            mountOptions.Append(",subtype=").Append(options.Subtype);
        }
        if (options.AllowOther)
        {
            mountOptions.Append(",allow_other");
        }
        if (options.DefaultPermissions)
        {
            mountOptions.Append(",default_permissions");
        }

        int* pair = stackalloc int[2];
        if (Libc.Socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM, 0, pair) != 0)
        {
            throw new FuseMountException(FuseMountErrorKind.MountFailed, mountpoint,
                $"Cannot mount {mountpoint}: socketpair failed: {Libc.Describe(Libc.LastErrno)}.");
        }
        using var ours = new SafeFd(pair[0]);
        var theirs = new SafeFd(pair[1]);
        Libc.Fcntl(pair[0], Libc.F_SETFD, Libc.FD_CLOEXEC);

        ProcessStartInfo start = NewStartInfo(options.FusermountPath, "-o", mountOptions.ToString(), "--", mountpoint);
        start.Environment["_FUSE_COMMFD"] = pair[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        using Process process = StartOrThrow(start, options.FusermountPath, mountpoint);
        theirs.Dispose();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();

        int fd = ReceiveWithTimeout(ours.Fd, process, out Errno errno);
        bool exited = process.WaitForExit(s_timeout);
        string message = exited ? (stderr.Result + stdout.Result).Trim() : "";
        if (fd >= 0)
        {
            return new SafeFd(fd);
        }
        if (!exited)
        {
            process.Kill();
            message = "fusermount3 did not finish";
        }
        if (errno != Errno.OK)
        {
            message = $"{message} (receiving the device failed: {Libc.Describe(errno)})".Trim();
        }
        throw Failure(mountpoint, message, mounting: true);
    }

    /// <summary>fusermount3 -u [-z]. Throws <see cref="FuseMountException"/> on failure.</summary>
    public static void Unmount(string mountpoint, bool lazy, string fusermountPath)
    {
        ProcessStartInfo start = lazy
            ? NewStartInfo(fusermountPath, "-u", "-z", "--", mountpoint)
            : NewStartInfo(fusermountPath, "-u", "--", mountpoint);
        using Process process = StartOrThrow(start, fusermountPath, mountpoint);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw Failure(mountpoint, (stderr + stdout.Result).Trim(), mounting: false);
        }
    }

    private static ProcessStartInfo NewStartInfo(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    private static Process StartOrThrow(ProcessStartInfo start, string program, string mountpoint)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Win32Exception e)
        {
            throw new FuseMountException(FuseMountErrorKind.FusermountFailed, mountpoint,
                $"Cannot run {program} ({e.Message}): install the fuse3 package, or mount as root.", e);
        }
    }

    /// <summary>Waits for the fd, but gives up when fusermount3 exited without sending one (another process started
    /// at the same moment may hold a copy of its socket end, so EOF alone is not reliable).</summary>
    private static unsafe int ReceiveWithTimeout(int socketFd, Process process, out Errno errno)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        bool exitSeen = false;
        while (DateTime.UtcNow < deadline)
        {
            Libc.PollFd poll = new() { Fd = socketFd, Events = Libc.POLLIN };
            int ready = Libc.Poll(&poll, 1, 100);
            if (ready > 0)
            {
                return Libc.ReceiveFd(socketFd, out errno);
            }
            if (ready < 0 && Libc.LastErrno != Errno.EINTR)
            {
                errno = Libc.LastErrno;
                return -1;
            }
            if (exitSeen)
            {
                break;
            }
            exitSeen = process.HasExited;
        }
        errno = Errno.OK;
        return -1;
    }

    private static FuseMountException Failure(string mountpoint, string message, bool mounting)
    {
        string what = mounting ? "mount" : "unmount";
        string text = message.ReplaceLineEndings(" ");
        if (text.Contains("failed to open /dev/fuse: No such file", StringComparison.Ordinal)
            || text.Contains("fuse device not found", StringComparison.Ordinal))
        {
            return new FuseMountException(FuseMountErrorKind.NoFuseDevice, mountpoint,
                $"Cannot {what} {mountpoint}: /dev/fuse is missing ({text}): load the fuse module (modprobe fuse) or give the container /dev/fuse.");
        }
        if (text.Contains("user_allow_other", StringComparison.Ordinal))
        {
            return new FuseMountException(FuseMountErrorKind.NotPermitted, mountpoint,
                $"Cannot {what} {mountpoint}: allow_other needs 'user_allow_other' in /etc/fuse.conf ({text}); add it or mount as root.");
        }
        if (text.Contains("Permission denied", StringComparison.Ordinal)
            || text.Contains("Operation not permitted", StringComparison.Ordinal)
            || text.Contains("no write access", StringComparison.Ordinal))
        {
            return new FuseMountException(FuseMountErrorKind.NotPermitted, mountpoint,
                $"Cannot {what} {mountpoint}: not permitted ({text}); run as root, or as a user who owns the mountpoint on a host where /dev/fuse is usable (mode 0666).");
        }
        if (text.Contains("Device or resource busy", StringComparison.Ordinal))
        {
            return new FuseMountException(FuseMountErrorKind.Busy, mountpoint,
                $"Cannot {what} {mountpoint}: it is busy ({text}); close the programs using it (fuser -vm {mountpoint}) or detach it lazily (fusermount3 -uz {mountpoint}).");
        }
        if (!mounting && (text.Contains("not found in", StringComparison.Ordinal)
            || text.Contains("Invalid argument", StringComparison.Ordinal)
            || text.Contains("not mounted", StringComparison.Ordinal)))
        {
            return new FuseMountException(FuseMountErrorKind.NotMounted, mountpoint,
                $"Cannot unmount {mountpoint}: nothing is mounted there ({text}).");
        }
        return new FuseMountException(FuseMountErrorKind.FusermountFailed, mountpoint,
            $"Cannot {what} {mountpoint}: fusermount3 failed: {(text.Length == 0 ? "no message" : text)}.");
    }

    /// <summary>Escapes ',' and '\' in a -o value the way fusermount3 parses them.</summary>
    private static string EscapeOption(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal);
}
