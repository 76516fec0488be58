using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse;

/// <summary>
/// Background mode without fork(): .NET cannot fork, so the program starts a copy of itself (same executable and
/// arguments) marked by the environment variable <see cref="ChildVariable"/>. The copy runs in the foreground in a new
/// session with stdin from /dev/null, and reports readiness with the systemd protocol on a private NOTIFY_SOCKET.
/// The parent returns when the copy is ready (and can then exit), or with its exit code and error output when it
/// fails first.
/// </summary>
/// <remarks>
/// Parent: <c>if (!FuseBackground.IsChild) { var r = FuseBackground.Start(args, timeout); return r.Ready ? 0 : r.ExitCode; }</c>.
/// Child: call <see cref="EnterChild"/> early (mounting does it too), mount, then
/// <see cref="FuseMount.RunUntilUnmounted"/> (which calls <see cref="NotifyReady"/>). Errors before readiness go to
/// stderr as usual, followed by a non-zero exit: the parent hands both back. After readiness the child's stdout and
/// stderr (with every duplicate of them, such as the ones .NET's Console writes through) go to the log file given to
/// <see cref="Start"/>, or to /dev/null.
/// </remarks>
public static class FuseBackground
{
    /// <summary>Set to "1" in the child's environment.</summary>
    public const string ChildVariable = "REVERSECRYPT_FUSE_BACKGROUND";

    /// <summary>Where the child's stdout/stderr go after readiness (unset: /dev/null).</summary>
    public const string LogFileVariable = "REVERSECRYPT_FUSE_BACKGROUND_LOG";

    // As ints: they meet fcntl(F_GETFL) results and dup3 flags here.
    private const int O_RDONLY = (int)Libc.OpenFlags.O_RDONLY, O_WRONLY = (int)Libc.OpenFlags.O_WRONLY,
        O_ACCMODE = (int)Libc.OpenFlags.O_ACCMODE, O_CREAT = (int)Libc.OpenFlags.O_CREAT,
        O_APPEND = (int)Libc.OpenFlags.O_APPEND, O_CLOEXEC = (int)Libc.OpenFlags.O_CLOEXEC;
    private const uint S_IFIFO = 0x1000;
    private const int MaxMessageLength = 4000;

    private static int s_entered;

    /// <summary>True in the copy started by <see cref="Start"/>.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) == "1";

    /// <summary>
    /// Starts a detached copy of the current program with <paramref name="arguments"/> (the program's own arguments,
    /// without the executable) and waits up to <paramref name="timeout"/> until it reports readiness or exits.
    /// On timeout the copy is killed. <paramref name="standardInput"/>, when given, is written to the copy's standard
    /// input before it is closed (a secret such as a key is handed over this way, never on the command line).
    /// </summary>
    public static FuseBackgroundResult Start(IEnumerable<string> arguments, TimeSpan timeout, string? logFile = null,
        string? standardInput = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string program = Environment.ProcessPath ?? throw new InvalidOperationException("The executable path is unknown.");
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(program) == "dotnet")
        {
            // Started as "dotnet app.dll": the first command-line element is the app's path (single-file safe,
            // unlike Assembly.Location).
            string? entry = Environment.GetCommandLineArgs().FirstOrDefault();
            if (!string.IsNullOrEmpty(entry))
            {
                start.ArgumentList.Add(entry);
            }
        }
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        string socketName = $"reversecrypt-ready-{Environment.ProcessId}-{Guid.NewGuid():N}";
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(SystemdNotify.ToEndPoint("@" + socketName));
        start.Environment[ChildVariable] = "1";
        start.Environment[SystemdNotify.SocketVariable] = "@" + socketName;
        if (logFile is not null)
        {
            start.Environment[LogFileVariable] = Path.GetFullPath(logFile);
        }
        else
        {
            start.Environment.Remove(LogFileVariable);
        }

        var output = new StringBuilder();
        var errors = new StringBuilder();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null");
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(errors, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var stopwatch = Stopwatch.StartNew();
        byte[] datagram = new byte[4096];
        while (stopwatch.Elapsed < timeout)
        {
            if (socket.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectRead))
            {
                int length = socket.Receive(datagram);
                if (IsReady(Encoding.UTF8.GetString(datagram, 0, length)))
                {
                    process.CancelOutputRead();
                    process.CancelErrorRead();
                    SystemdNotify.Notify($"READY=1\nMAINPID={process.Id}");
                    return new FuseBackgroundResult(true, 0, "", process.Id);
                }
                continue;
            }
            if (process.HasExited)
            {
                process.WaitForExit(); // flushes the asynchronous output readers
                string message = Message(errors, output);
                return new FuseBackgroundResult(false, process.ExitCode,
                    message.Length > 0 ? message : $"the background process exited with code {process.ExitCode} before it was ready",
                    process.Id);
            }
        }
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        string partial = Message(errors, output);
        return new FuseBackgroundResult(false, -1,
            $"the background process was not ready within {timeout.TotalSeconds:0.#} s and was stopped{(partial.Length > 0 ? ": " + partial : "")}",
            process.Id);
    }

    /// <summary>In the child: start a new session (no controlling terminal, no SIGHUP/SIGINT from the parent's
    /// terminal) and read stdin from /dev/null. Does nothing outside the child or when called again.</summary>
    public static void EnterChild()
    {
        if (!IsChild || Interlocked.Exchange(ref s_entered, 1) != 0)
        {
            return;
        }
        Libc.Setsid();
        Redirect(0, "/dev/null", O_RDONLY);
    }

    /// <summary>Reports readiness: READY=1 to NOTIFY_SOCKET (systemd, or the waiting parent). In the child,
    /// stdout/stderr are first moved to the log file or /dev/null, since the parent stops reading them.</summary>
    public static void NotifyReady()
    {
        if (IsChild)
        {
            EnterChild();
            string? log = Environment.GetEnvironmentVariable(LogFileVariable);
            string target = string.IsNullOrEmpty(log) ? "/dev/null" : log;
            int flags = O_WRONLY | O_APPEND | (target == "/dev/null" ? 0 : O_CREAT);
            Console.Out.Flush();
            Console.Error.Flush();
            RedirectOutput(target, flags);
        }
        SystemdNotify.Ready();
    }

    private static bool IsReady(string state)
    {
        foreach (string line in state.Split('\n'))
        {
            if (line == "READY=1")
            {
                return true;
            }
        }
        return false;
    }

    private static void Redirect(int targetFd, string path, int flags)
    {
        int fd = OpenOrDevNull(path, flags);
        if (fd >= 0)
        {
            Libc.Dup2(fd, targetFd);
            Libc.Close(fd);
        }
    }

    /// <summary>
    /// Points stdout, stderr and every other descriptor open for writing on the same pipes (the parent's, which it
    /// stops reading at readiness) at <paramref name="path"/>.
    /// </summary>
    /// <remarks>
    /// Moving fd 1 and 2 alone is not enough: .NET's Console writes through its own duplicates of them (made at first
    /// use, close-on-exec), and what captured Console.Out/Error before readiness (the console logger) keeps writing
    /// there, into pipes nobody reads any more: the log stayed empty. Rather than depend on how .NET holds them, every
    /// descriptor in /proc/self/fd that is the same pipe as fd 1 or 2 (same device and inode) is replaced too. Only a
    /// pipe is matched, never a file or terminal that unrelated descriptors may share. dup3 keeps each descriptor's
    /// close-on-exec flag as it was, atomically (dup2 would clear it). Such a duplicate belongs to a stream that is
    /// never closed, so another thread cannot reuse its number between the check and the dup3.
    /// </remarks>
    private static void RedirectOutput(string path, int flags)
    {
        var pipes = new List<(ulong Dev, ulong Ino)>(2);
        foreach (int fd in (ReadOnlySpan<int>)[1, 2])
        {
            if (Libc.StatxFd(fd, out var st) == Errno.OK && st.FileType == S_IFIFO)
            {
                pipes.Add((st.Dev, st.Ino));
            }
        }
        var targets = new List<int> { 1, 2 };
        if (pipes.Count > 0)
        {
            foreach (int fd in OpenDescriptors())
            {
                int status = fd > 2 ? Libc.Fcntl(fd, Libc.F_GETFL, 0) : -1;
                if (status >= 0 && (status & O_ACCMODE) != O_RDONLY
                    && Libc.StatxFd(fd, out var st) == Errno.OK && st.FileType == S_IFIFO && pipes.Contains((st.Dev, st.Ino)))
                {
                    targets.Add(fd);
                }
            }
        }
        int file = OpenOrDevNull(path, flags);
        if (file < 0)
        {
            return;
        }
        foreach (int fd in targets)
        {
            int fdFlags = Libc.Fcntl(fd, Libc.F_GETFD, 0);
            Libc.Dup3(file, fd, fdFlags >= 0 && (fdFlags & Libc.FD_CLOEXEC) != 0 ? O_CLOEXEC : 0);
        }
        Libc.Close(file);
    }

    /// <summary>The numbers of this process's open descriptors (only 0-2 when /proc cannot be read).</summary>
    private static List<int> OpenDescriptors()
    {
        var fds = new List<int>();
        try
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
                {
                    fds.Add(fd);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [0, 1, 2];
        }
        return fds;
    }

    /// <summary>Opens <paramref name="path"/> (close-on-exec, created 0600), or /dev/null when that fails.
    /// Returns the fd or -1.</summary>
    private static int OpenOrDevNull(string path, int flags)
    {
        int fd = Libc.Open(path, (Libc.OpenFlags)(flags | O_CLOEXEC), 0x180 /* 0600 */);
        return fd >= 0 ? fd : Libc.Open("/dev/null", (Libc.OpenFlags)((flags & O_WRONLY) | O_CLOEXEC), 0);
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (builder)
        {
            if (builder.Length < 64 * 1024)
            {
                builder.AppendLine(line);
            }
        }
    }

    private static string Message(StringBuilder errors, StringBuilder output)
    {
        string text;
        lock (errors)
        {
            text = errors.ToString().Trim();
        }
        if (text.Length == 0)
        {
            lock (output)
            {
                text = output.ToString().Trim();
            }
        }
        return text.Length > MaxMessageLength ? text[^MaxMessageLength..] : text;
    }
}
