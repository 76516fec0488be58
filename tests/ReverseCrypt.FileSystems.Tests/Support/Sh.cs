using System.Diagnostics;
using System.Text;

namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>Result of a finished child process.</summary>
public sealed record ShResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs external programs (gocryptfs, rsync, bash) with a timeout; a hung child is killed with its tree.</summary>
public static class Sh
{
    public static ShResult Run(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.Latin1,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }
        p.StandardInput.Close();
        if (!p.WaitForExit((int)(timeout ?? TimeSpan.FromMinutes(3)).TotalMilliseconds))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time\n{stdout.Result}\n{stderr.Result}");
        }
        p.WaitForExit();
        return new ShResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a bash command line.</summary>
    public static ShResult Bash(string script, TimeSpan? timeout = null) => Run("/bin/bash", ["-c", script], timeout: timeout);

    /// <summary>Runs a bash command line and fails the test when it exits non-zero.</summary>
    public static string Check(string script, TimeSpan? timeout = null)
    {
        var r = Bash(script, timeout);
        Assert.That(r.ExitCode, Is.Zero, () => $"command failed: {script}\n{r}");
        return r.Stdout;
    }

    /// <summary>Single-quotes a string for bash.</summary>
    public static string Q(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
