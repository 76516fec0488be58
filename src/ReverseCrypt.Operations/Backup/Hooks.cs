using System.ComponentModel;
using System.Diagnostics;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Operations.Backup;

/// <summary>How a hook ended.</summary>
/// <param name="ExitCode">The shell's exit code (128+N when killed by signal N); -1 when it could not be started.</param>
/// <param name="TimedOut">It ran longer than its timeout and was stopped.</param>
/// <param name="Message">One line for the log: what ran and how it ended.</param>
public sealed record HookResult(int ExitCode, bool TimedOut, string Message)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}

/// <summary>
/// <c>backup --pre CMD</c> / <c>--post CMD</c>: CMD runs as <c>/bin/sh -c CMD</c> with stdin from /dev/null and its
/// stdout and stderr both copied to this process's stderr (stdout carries the summary, e.g. --json), in a process
/// group of its own, so that a timeout or an interruption stops the whole group (SIGTERM, SIGKILL 10 s later),
/// children included. The hook gets SIGKILL if this process dies (setpriv --pdeathsig, as every child of a run).
/// </summary>
public static class Hooks
{
    /// <summary>The default of --hook-timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromHours(1);

    /// <summary>How long a stopped hook's group has between SIGTERM and SIGKILL.</summary>
    public static TimeSpan KillGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="command"/> to its end, or until <paramref name="timeout"/> or <paramref name="cancellation"/>
    /// stops it. <paramref name="name"/> ("--pre", "--post") names it in the result's message.
    /// </summary>
    public static HookResult Run(string name, string command, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(environment);
        // setsid makes the shell the leader of a new process group (its pid is the group's id), so that kill(-pid)
        // reaches everything it started; setpriv keeps the parent-death signal of every child of a run.
        var psi = new ProcessStartInfo(ChildProcess.Exists("/usr/bin/setpriv") ? "/usr/bin/setpriv" : "setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (psi.FileName != "setsid")
        {
            foreach (var a in new[] { "--pdeathsig", "KILL", "--", "setsid" }) psi.ArgumentList.Add(a);
        }
        foreach (var a in new[] { "/bin/sh", "-c", command }) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception("not started");
        }
        catch (Win32Exception e)
        {
            return new HookResult(-1, false, $"{name} hook could not be started: {e.Message}");
        }
        using (process)
        {
            process.StandardInput.Close();
            var stderr = Console.OpenStandardError();
            var outCopy = process.StandardOutput.BaseStream.CopyToAsync(stderr, CancellationToken.None);
            var errCopy = process.StandardError.BaseStream.CopyToAsync(stderr, CancellationToken.None);
            var pid = process.Id;
            var stopped = 0;
            void StopGroup()
            {
                if (Interlocked.Exchange(ref stopped, 1) == 1) return;
                _ = Libc.Kill(-pid, Libc.SIGTERM);
                _ = Task.Run(async () =>
                {
                    await Task.Delay(KillGrace, CancellationToken.None).ConfigureAwait(false);
                    _ = Libc.Kill(-pid, Libc.SIGKILL);
                }, CancellationToken.None);
            }
            var timedOut = false;
            using (cancellation.Register(StopGroup))
            {
                if (!process.WaitForExit(timeout))
                {
                    timedOut = true;
                    StopGroup();
                    process.WaitForExit();
                }
                process.WaitForExit();
            }
            // The copies end when every holder of the pipes is gone; a daemon the hook left running keeps them open.
            Task.WaitAll([outCopy, errCopy], TimeSpan.FromSeconds(5));
            var code = process.ExitCode;
            var how = timedOut
                ? $"did not finish within {Describe(timeout)} and was stopped"
                : cancellation.IsCancellationRequested && Volatile.Read(ref stopped) == 1
                    ? $"was stopped by the interruption (exit code {code})"
                    : code == 0 ? "succeeded" : $"failed with exit code {code}";
            return new HookResult(code, timedOut, $"{name} hook {how}: {command}");
        }
    }

    /// <summary>"90 s", "60 min", "2 h".</summary>
    public static string Describe(TimeSpan span) =>
        span.TotalSeconds < 120 ? $"{span.TotalSeconds:0} s"
        : span.TotalMinutes < 120 ? $"{span.TotalMinutes:0} min"
        : $"{span.TotalHours:0.#} h";
}
