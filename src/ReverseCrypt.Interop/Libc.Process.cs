using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>Process family: identity, sessions, signals and descriptor plumbing. Raw results (-1 on failure).</summary>
public static partial class Libc
{
    public const int SIGKILL = 9, SIGTERM = 15, SIGINT = 2;
    public const int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, FD_CLOEXEC = 1;

    /// <summary>getuid(2).</summary>
    public static uint Getuid() => GetuidImport();

    /// <summary>geteuid(2).</summary>
    public static uint Geteuid() => GeteuidImport();

    /// <summary>getgid(2).</summary>
    public static uint Getgid() => GetgidImport();

    [LibraryImport(LibName, EntryPoint = "getuid")]
    private static partial uint GetuidImport();

    [LibraryImport(LibName, EntryPoint = "geteuid")]
    private static partial uint GeteuidImport();

    [LibraryImport(LibName, EntryPoint = "getgid")]
    private static partial uint GetgidImport();

    /// <summary>setsid(2): a new session and process group. Returns the session id or -1 (EPERM for a group leader).</summary>
    [LibraryImport(LibName, EntryPoint = "setsid", SetLastError = true)]
    public static partial int Setsid();

    /// <summary>kill(2). Returns 0 or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>dup2(2). Returns the new fd or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "dup2", SetLastError = true)]
    public static partial int Dup2(int oldFd, int newFd);

    /// <summary>dup3(2): like dup2, but with <paramref name="flags"/> (0 or O_CLOEXEC) setting the new fd's
    /// close-on-exec flag atomically. Returns the new fd or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "dup3", SetLastError = true)]
    public static partial int Dup3(int oldFd, int newFd, int flags);

    /// <summary>fcntl(2) with an int argument (F_GETFD / F_SETFD / F_GETFL). Returns the result or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);
}
