using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReverseCrypt.Fuse.Mounting;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse;

/// <summary>
/// A mounted filesystem: <see cref="Mount"/> returns once the kernel's INIT has been answered, so the mountpoint is
/// usable. The session ends when the filesystem is unmounted, by <see cref="Unmount()"/> or from outside
/// (<c>umount</c>, <c>fusermount3 -u</c>); <see cref="Completion"/> then completes.
/// </summary>
/// <example>
/// <code>
/// using FuseMount mount = FuseMount.Mount(new MyFileSystem(), "/mnt/x", new FuseMountOptions { Subtype = "myfs" });
/// mount.RunUntilUnmounted(); // SIGINT/SIGTERM unmount; sends READY=1 to systemd
/// </code>
/// </example>
public sealed class FuseMount : IDisposable
{
    private readonly FuseSession _session;
    private readonly FuseMountOptions _options;
    private readonly ILogger _logger;
    private readonly bool _viaFusermount;
    private int _unmounted;
    private int _unmounting; // UnmountIdle, UnmountRunning or UnmountAgain

    private FuseMount(string mountpoint, FuseSession session, FuseMountOptions options, ILogger logger, bool viaFusermount)
    {
        Mountpoint = mountpoint;
        _session = session;
        _options = options;
        _logger = logger;
        _viaFusermount = viaFusermount;
    }

    /// <summary>The canonical mountpoint path.</summary>
    public string Mountpoint { get; }

    /// <summary>The parameters negotiated in INIT.</summary>
    public FuseConnectionInfo Connection => _session.Connection!;

    /// <summary>The session serving this mount.</summary>
    public FuseSession Session => _session;

    /// <summary>Completes when the session has ended (the filesystem was unmounted).</summary>
    public Task Completion => _session.Completion;

    /// <summary>
    /// Mounts <paramref name="fileSystem"/> at <paramref name="mountpoint"/> and serves it on background threads.
    /// Returns after INIT, i.e. when the mountpoint answers. As root mount(2) is used, otherwise fusermount3.
    /// Throws <see cref="FuseMountException"/> with a one-line message saying what to do.
    /// </summary>
    public static FuseMount Mount(IFuseFileSystem fileSystem, string mountpoint, FuseMountOptions? options = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentException.ThrowIfNullOrEmpty(mountpoint);
        options ??= new FuseMountOptions();
        options.Validate();
        logger ??= NullLogger.Instance;

        FuseBackground.EnterChild();
        string path = MountpointCheck.Resolve(mountpoint);
        PrepareMountpoint(path, options, logger);

        bool root = Libc.Geteuid() == 0;
        bool viaFusermount = options.UseFusermount ?? !root;
        SafeFd device;
        if (viaFusermount)
        {
            if (!File.Exists(options.DevicePath))
            {
                throw new FuseMountException(FuseMountErrorKind.NoFuseDevice, path,
                    $"Cannot mount {path}: the FUSE device {options.DevicePath} is missing; load the fuse module (modprobe fuse) or give the container the device (--device /dev/fuse).");
            }
            device = Fusermount.Mount(path, options);
        }
        else
        {
            device = DirectMount.OpenDevice(path, options.DevicePath);
            Errno errno = DirectMount.Mount(path, device, options);
            if (errno != Errno.OK)
            {
                device.Dispose();
                if (errno == Errno.EPERM && options.UseFusermount is null)
                {
                    // No CAP_SYS_ADMIN (e.g. a container's root): the setuid helper may still work.
                    device = Fusermount.Mount(path, options);
                    viaFusermount = true;
                }
                else
                {
                    throw DirectMount.MountFailure(path, errno);
                }
            }
        }

        var session = new FuseSession(device, fileSystem, options, logger) { IsKernelDevice = true };
        var mount = new FuseMount(path, session, options, logger, viaFusermount);
        session.Start();
        try
        {
            if (!session.Initialized.Wait(options.InitTimeout))
            {
                throw new TimeoutException($"no INIT from the kernel within {options.InitTimeout.TotalSeconds:0.#} s");
            }
        }
        catch (Exception e)
        {
            Exception cause = e is AggregateException { InnerException: Exception inner } ? inner : e;
            mount.DetachQuietly();
            session.WaitForCompletion(TimeSpan.FromSeconds(2));
            session.Dispose();
            throw new FuseMountException(FuseMountErrorKind.MountFailed, path,
                $"Cannot mount {path}: the kernel handshake failed ({cause.Message}); check the kernel log (dmesg).", cause);
        }
        logger.Mounted(path, options.FilesystemType);
        if (options.ReadaheadKb is int readaheadKb && root)
        {
            SetReadahead(path, readaheadKb, logger);
        }
        return mount;
    }

    /// <summary>Sets the readahead window of the mount's backing device info (sysfs, root only). Best effort: a
    /// failure is logged and the kernel's default stays.</summary>
    private static void SetReadahead(string path, int kilobytes, ILogger logger)
    {
        try
        {
            var entry = MountTable.Find(path);
            if (entry is null || !entry.IsFuse)
            {
                return;
            }
            File.WriteAllText($"/sys/class/bdi/{entry.DeviceMajor}:{entry.DeviceMinor}/read_ahead_kb",
                kilobytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.ReadaheadNotSet(path, e.Message);
        }
    }

    /// <summary>
    /// Unmounts the filesystem at <paramref name="mountpoint"/> (of any process): umount2 as root, fusermount3 -u
    /// otherwise; <paramref name="lazy"/> detaches a busy mount (MNT_DETACH / -z). Throws
    /// <see cref="FuseMountException"/> (<see cref="FuseMountErrorKind.Busy"/>, <see cref="FuseMountErrorKind.NotMounted"/>...).
    /// </summary>
    public static void Unmount(string mountpoint, bool lazy = false, FuseMountOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(mountpoint);
        options ??= new FuseMountOptions();
        string path;
        try
        {
            path = MountpointCheck.Resolve(mountpoint);
        }
        catch (FuseMountException e) when (e.Kind is FuseMountErrorKind.MountpointMissing or FuseMountErrorKind.NotADirectory)
        {
            throw new FuseMountException(FuseMountErrorKind.NotMounted, e.Mountpoint,
                $"Cannot unmount {e.Mountpoint}: nothing is mounted there (the path does not exist or is not a directory).", e);
        }
        if (MountTable.Find(path) is null)
        {
            throw new FuseMountException(FuseMountErrorKind.NotMounted, path, $"Cannot unmount {path}: nothing is mounted there.");
        }
        UnmountPath(path, lazy, options, viaFusermount: Libc.Geteuid() != 0);
    }

    /// <summary>Unmounts this filesystem and waits for the session to end. Throws <see cref="FuseMountException"/>
    /// with <see cref="FuseMountErrorKind.Busy"/> when it is in use (it stays mounted and served).</summary>
    public void Unmount() => Unmount(lazy: false);

    /// <summary>Unmounts; <paramref name="lazy"/> detaches it even when busy (the session ends after the last user
    /// closes it).</summary>
    public void Unmount(bool lazy)
    {
        if (Volatile.Read(ref _unmounted) == 0 && !_session.Completion.IsCompleted)
        {
            try
            {
                UnmountPath(Mountpoint, lazy, _options, _viaFusermount);
            }
            catch (FuseMountException e) when (e.Kind == FuseMountErrorKind.NotMounted)
            {
                // Already unmounted from outside.
            }
        }
        Volatile.Write(ref _unmounted, 1);
        if (!lazy)
        {
            _session.WaitForCompletion(TimeSpan.FromSeconds(10));
        }
        _logger.Unmounted(Mountpoint);
    }

    /// <summary>
    /// Blocks until the filesystem is unmounted. With <paramref name="handleSignals"/>, SIGINT and SIGTERM unmount it
    /// (a busy mount is reported in the log and keeps being served). With <paramref name="notifyReady"/>, readiness is
    /// reported first: READY=1 to systemd (NOTIFY_SOCKET), or to the parent when started by
    /// <see cref="FuseBackground.Start"/>.
    /// </summary>
    public void RunUntilUnmounted(bool handleSignals = true, bool notifyReady = true, CancellationToken cancellationToken = default)
    {
        PosixSignalRegistration? sigint = null, sigterm = null;
        if (handleSignals)
        {
            sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        }
        using CancellationTokenRegistration onCancel = cancellationToken.Register(() => UnmountInBackground("cancellation"));
        try
        {
            if (notifyReady)
            {
                FuseBackground.NotifyReady();
            }
            _session.Completion.Wait(CancellationToken.None);
        }
        finally
        {
            sigint?.Dispose();
            sigterm?.Dispose();
        }
        Volatile.Write(ref _unmounted, 1);
    }

    /// <summary>Unmounts if still mounted (lazily when busy) and releases the session.</summary>
    public void Dispose()
    {
        if (Volatile.Read(ref _unmounted) == 0 && !_session.Completion.IsCompleted)
        {
            try
            {
                Unmount(lazy: false);
            }
            catch (FuseMountException e)
            {
                _logger.UnmountFailed(Mountpoint, e.Message);
                DetachQuietly();
            }
        }
        _session.WaitForCompletion(TimeSpan.FromSeconds(5));
        _session.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        UnmountInBackground(context.Signal.ToString());
    }

    private void UnmountInBackground(string reason)
    {
        // One unmount at a time (a signal may reach both our handler and the caller's cancellation token), and no
        // signal lost: one that comes while an attempt runs asks for one more attempt after it, if it fails (busy).
        // Before, a second SIGTERM sent just after the first one's "cannot unmount" line, while that attempt was still
        // ending, was dropped, and the process kept serving (SampleProcessTests.Sigterm_WhileBusy_..., CI 2026-12-08).
        if (Volatile.Read(ref _unmounted) != 0)
        {
            return;
        }
        _logger.SignalReceived(reason, Mountpoint);
        while (true)
        {
            int state = Volatile.Read(ref _unmounting);
            if (state == UnmountIdle)
            {
                if (Interlocked.CompareExchange(ref _unmounting, UnmountRunning, UnmountIdle) == UnmountIdle)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(_ => UnmountAttempts(), null);
                    return;
                }
            }
            else if (Interlocked.CompareExchange(ref _unmounting, UnmountAgain, state) == state)
            {
                return;
            }
        }
    }

    private const int UnmountIdle = 0, UnmountRunning = 1, UnmountAgain = 2;

    /// <summary>Unmount attempts until one succeeds or no signal came during the last one (see UnmountInBackground).</summary>
    private void UnmountAttempts()
    {
        while (true)
        {
            try
            {
                Unmount(lazy: false);
                Volatile.Write(ref _unmounting, UnmountIdle);
                return;
            }
            catch (FuseMountException e)
            {
                _logger.UnmountFailed(Mountpoint, e.Message);
            }
            catch
            {
                Volatile.Write(ref _unmounting, UnmountIdle);
                throw;
            }
            // Only this loop leaves UnmountAgain: idle when no signal came meanwhile, else one more attempt.
            if (Interlocked.CompareExchange(ref _unmounting, UnmountIdle, UnmountRunning) == UnmountRunning)
            {
                return;
            }
            Volatile.Write(ref _unmounting, UnmountRunning);
        }
    }

    private void DetachQuietly()
    {
        try
        {
            UnmountPath(Mountpoint, lazy: true, _options, _viaFusermount);
        }
        catch (FuseMountException)
        {
        }
        Volatile.Write(ref _unmounted, 1);
    }

    private static void UnmountPath(string path, bool lazy, FuseMountOptions options, bool viaFusermount)
    {
        if (viaFusermount && Libc.Geteuid() != 0)
        {
            Fusermount.Unmount(path, lazy, options.FusermountPath);
        }
        else
        {
            DirectMount.Unmount(path, lazy);
        }
    }

    private static void PrepareMountpoint(string path, FuseMountOptions options, ILogger logger)
    {
        Errno probe = MountpointCheck.Probe(path);
        MountEntry? existing = MountTable.Find(path);
        if (probe is Errno.ENOTCONN or Errno.ECONNABORTED)
        {
            if (!options.RecoverStaleMount || existing is null)
            {
                throw new FuseMountException(FuseMountErrorKind.StaleMountpoint, path,
                    $"Cannot mount {path}: a dead FUSE filesystem is still mounted there ({Libc.Describe(probe)}); detach it with umount -l {path} (or fusermount3 -uz {path}).");
            }
            try
            {
                UnmountPath(path, lazy: true, options, viaFusermount: Libc.Geteuid() != 0);
            }
            catch (FuseMountException e)
            {
                throw new FuseMountException(FuseMountErrorKind.StaleMountpoint, path,
                    $"Cannot mount {path}: a dead FUSE filesystem is still mounted there and detaching it failed ({e.Message}); run umount -l {path} as root.", e);
            }
            logger.StaleMountRecovered(path);
            probe = MountpointCheck.Probe(path);
            existing = MountTable.Find(path);
        }
        if (existing is not null && existing.IsFuse)
        {
            throw new FuseMountException(FuseMountErrorKind.AlreadyMounted, path,
                $"Cannot mount {path}: a FUSE filesystem ({existing.FilesystemType}) is already mounted there; unmount it first (umount {path} or fusermount3 -u {path}).");
        }
    }
}
