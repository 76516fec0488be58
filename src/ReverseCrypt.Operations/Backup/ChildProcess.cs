using System.ComponentModel;
using System.Diagnostics;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Operations.Backup;

/// <summary>Starts the external programs a backup needs (rsync, ssh, sh) and stops them gently on cancellation.</summary>
public static class ChildProcess
{
    /// <summary>How long a child may take to exit after SIGINT before it gets SIGTERM, and then SIGKILL.</summary>
    public static TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Is <paramref name="program"/> an executable file here (a path, or a name found on PATH)?</summary>
    public static bool Exists(string program)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (program.Contains('/')) return IsExecutable(program);
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => IsExecutable(Path.Combine(dir, program)));
    }

    private static bool IsExecutable(string file) =>
        File.Exists(file) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    /// <summary>util-linux's setpriv, which starts every child with a parent-death signal (see <see cref="Start"/>).</summary>
    public const string SetprivProgram = "setpriv";

    /// <summary>The environment variable that marks every child of a run (see <see cref="OwnerTag"/>).</summary>
    public const string OwnerVariable = "REVERSECRYPT_OWNER";

    private static readonly Lazy<string?> Setpriv = new(() => Exists("/usr/bin/setpriv") ? "/usr/bin/setpriv" : Exists(SetprivProgram) ? SetprivProgram : null);

    /// <summary>
    /// When set, every child started from now on carries <c>REVERSECRYPT_OWNER=tag</c> in its environment, and so
    /// do the processes it starts (rsync's receiver, ssh): the next run for the same destination finds them by it
    /// (<see cref="LeftoverProcesses"/>) if this process was killed before they ended.
    /// </summary>
    public static string? OwnerTag { get; set; }

    /// <summary>
    /// Starts a child with redirected stdout/stderr (and stdin closed unless <paramref name="keepStdin"/>). Throws
    /// ToolMissing when it cannot start. The child gets SIGKILL when this process dies, however it dies (setpriv
    /// --pdeathsig, where util-linux has it): rsync and ssh never outlive a killed backup. The death signal follows the
    /// thread that started the child, so the caller must be a thread that lives as long as the child (every caller
    /// here waits for its child on the thread that started it, or starts it on the main thread).
    /// </summary>
    public static Process Start(string program, IEnumerable<string> arguments, IDictionary<string, string>? environment = null,
        bool keepStdin = false)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var setpriv = Setpriv.Value;
        var psi = new ProcessStartInfo(setpriv ?? program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (setpriv is not null)
        {
            psi.ArgumentList.Add("--pdeathsig");
            psi.ArgumentList.Add("KILL");
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(program);
            if (!Exists(program)) throw new BackupException(BackupErrorKind.ToolMissing, $"cannot run {program}: not found (is it installed?)");
        }
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        if (environment is not null) foreach (var (key, value) in environment) psi.Environment[key] = value;
        if (OwnerTag is { } tag) psi.Environment[OwnerVariable] = tag;
        try
        {
            var process = Process.Start(psi) ?? throw new BackupException(BackupErrorKind.ToolMissing, $"cannot start {program}");
            if (!keepStdin) process.StandardInput.Close();
            return process;
        }
        catch (Win32Exception e)
        {
            throw new BackupException(BackupErrorKind.ToolMissing, $"cannot run {program}: {e.Message} (is it installed?)", e);
        }
    }

    /// <summary>Runs a child to the end and collects its output. On cancellation the child is stopped
    /// (<see cref="Stop"/>) and <see cref="OperationCanceledException"/> is thrown.</summary>
    public static ChildResult Run(string program, IEnumerable<string> arguments, CancellationToken cancellation = default)
    {
        using var process = Start(program, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using (cancellation.Register(() => Stop(process)))
        {
            process.WaitForExit();
        }
        var result = new ChildResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        cancellation.ThrowIfCancellationRequested();
        return result;
    }

    /// <summary>
    /// Stops a child the way a terminal's Ctrl-C would: SIGINT (rsync then keeps its partial file for the next run),
    /// SIGTERM after <see cref="StopGrace"/>, SIGKILL after another grace period. Returns at once; the caller waits.
    /// </summary>
    public static void Stop(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        int pid;
        try
        {
            if (process.HasExited) return;
            pid = process.Id;
        }
        catch (InvalidOperationException)
        {
            return;
        }
        _ = Libc.Kill(pid, Libc.SIGINT);
        _ = Task.Run(async () =>
        {
            foreach (var signal in new[] { Libc.SIGTERM, Libc.SIGKILL })
            {
                if (await WaitExit(process, StopGrace).ConfigureAwait(false)) return;
                _ = Libc.Kill(pid, signal);
            }
        });
    }

    private static async Task<bool> WaitExit(Process process, TimeSpan timeout)
    {
        try
        {
            using var timer = new CancellationTokenSource(timeout);
            await process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            return true;
        }
    }
}
