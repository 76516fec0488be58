using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// One backup per destination at a time (a timer run and a manual run must not both rsync --delete into it): an
/// exclusive, non-blocking flock(2) on <c>backup-HASH.lock</c> in <see cref="ViewRuntimeDirectory.SharedBase"/>
/// (<c>/run/reversecrypt</c> for root: the same for systemd and manual runs), where HASH is the SHA-256 of the
/// destination's <see cref="Key"/>. The lock belongs to the open file, so it ends with the process however that ends
/// (even SIGKILL) and never blocks the next run; the descriptor is close-on-exec, so rsync and ssh do not inherit it.
/// The file holds the pid of its holder, for the message of a refused run. Lock files are left in place (removing one
/// could let two runs lock two different files).
/// </summary>
public sealed class DestinationLock : IDisposable
{
    private const uint DirectoryMode = 0x1C0; // 0700
    private const uint FileMode = 0x180; // 0600

    private readonly SafeFd _fd;

    private DestinationLock(SafeFd fd, string path, string tag)
    {
        _fd = fd;
        Path = path;
        Tag = tag;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>The destination's hash in the lock file's name: the <see cref="ChildProcess.OwnerTag"/> of its runs.</summary>
    public string Tag { get; }

    /// <summary>
    /// What identifies a destination: a local one by its real path (symlinks in its existing part resolved, so
    /// <c>/backup</c> and the <c>/mnt/disk</c> it links to are one destination), a remote one by
    /// <c>[user@]host</c> (host name in lower case) and path as written.
    /// </summary>
    public static string Key(BackupDestination destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.IsRemote) return "local:" + (RealPath.Of(destination.Path) ?? destination.Path);
        var host = destination.Host!;
        var at = host.LastIndexOf('@');
        return $"ssh:{host[..(at + 1)]}{host[(at + 1)..].ToLowerInvariant()}:{destination.Path}";
    }

    /// <summary>The lock file of a destination.</summary>
    public static string PathOf(BackupDestination destination)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key(destination))));
        return System.IO.Path.Combine(ViewRuntimeDirectory.SharedBase(), $"backup-{hash[..32]}.lock");
    }

    /// <summary>
    /// Takes the lock of <paramref name="destination"/> at once or throws <see cref="BackupException"/>:
    /// <see cref="BackupErrorKind.Busy"/> when another run holds it (naming its pid when known),
    /// <see cref="BackupErrorKind.BadDestination"/> when the lock file cannot be created.
    /// </summary>
    public static DestinationLock Acquire(BackupDestination destination, bool shared = false)
    {
        var path = PathOf(destination);
        var directory = System.IO.Path.GetDirectoryName(path)!;
        using var dirFd = OpenDirectory(directory);
        var fd = Libc.OpenatCreate(dirFd, Encoding.UTF8.GetBytes(System.IO.Path.GetFileName(path)),
            Libc.OpenFlags.O_RDWR | Libc.OpenFlags.O_CREAT | Libc.OpenFlags.O_NOFOLLOW, FileMode, out var errno);
        if (fd is null) throw CannotLock(path, errno);
        errno = Libc.FlockFd(fd, (shared ? Libc.LOCK_SH : Libc.LOCK_EX) | Libc.LOCK_NB);
        if (errno != Errno.OK)
        {
            var holder = errno == Errno.EAGAIN ? Holder(fd) : null;
            fd.Dispose();
            if (errno != Errno.EAGAIN) throw CannotLock(path, errno);
            throw new BackupException(BackupErrorKind.Busy,
                $"{(shared ? "a backup to" : "another backup to")} {destination} is running{(holder is null ? "" : $" (pid {holder})")}; nothing was done (lock {path})");
        }
        if (!shared)
        {
            var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            // The pid is only for messages: a lock without it still excludes every other run.
            if (Libc.FtruncateFd(fd, 0) == Errno.OK) Libc.PwriteFull(fd, pid, 0);
        }
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        return new DestinationLock(fd, path, name["backup-".Length..]);
    }

    /// <summary>
    /// The lock of a run that writes to <paramref name="destination"/> (backup, verify --repair): exclusive; what a
    /// killed earlier run to it left running (rsync's receiver, ssh) is ended first, and every child this process
    /// starts from now on carries the destination's tag (<see cref="ChildProcess.OwnerTag"/>) for the next run.
    /// </summary>
    public static DestinationLock AcquireForWriting(BackupDestination destination)
    {
        var held = Acquire(destination);
        try
        {
            LeftoverProcesses.End(held.Tag, BackupRun.LeftoverWait);
        }
        catch
        {
            held.Dispose();
            throw;
        }
        ChildProcess.OwnerTag = held.Tag;
        return held;
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _fd.Dispose();

    /// <summary>The lock directory, created with mode 0700 if missing; it must belong to us and be closed to others,
    /// so that nobody else can hold or replace our lock files.</summary>
    private static SafeFd OpenDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupErrorKind.BadDestination, $"cannot create the lock directory {directory}: {e.Message}", e);
        }
        var fd = CipherIo.OpenRootDirectory(directory, out var errno);
        if (fd is null) throw CannotLock(directory, errno);
        errno = Libc.StatxFd(fd, out var stat);
        if (errno != Errno.OK || stat.Uid != Libc.Geteuid() || (stat.Mode & 0x3F) != 0)
        {
            fd.Dispose();
            throw new BackupException(BackupErrorKind.BadDestination,
                $"the lock directory {directory} is not a directory of user {Libc.Geteuid()} with mode 0700; remove it");
        }
        return fd;
    }

    /// <summary>The pid written by the holder, if it wrote one.</summary>
    private static int? Holder(SafeFd fd)
    {
        Span<byte> text = stackalloc byte[24];
        var length = Libc.PreadFull(fd, text, 0, out _);
        return length > 0 && int.TryParse(Encoding.ASCII.GetString(text[..length]).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;
    }

    private static BackupException CannotLock(string path, Errno errno) =>
        new(BackupErrorKind.BadDestination, $"cannot lock {path}: {Libc.Describe(errno)}");
}
