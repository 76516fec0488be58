using System.Diagnostics;

namespace ReverseCrypt.Operations.Tests.TestSupport;

/// <summary>Result of a finished child process.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs external programs with a timeout; a hung child is killed with its tree.</summary>
public static class Run
{
    public static ProcessResult Program(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
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
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>bash -c COMMANDLINE.</summary>
    public static ProcessResult Shell(string commandLine, TimeSpan? timeout = null) =>
        Program("/bin/bash", ["-c", commandLine], timeout: timeout);

    /// <summary>bash -c COMMANDLINE, asserting exit 0.</summary>
    public static string Ok(string commandLine, TimeSpan? timeout = null)
    {
        var r = Shell(commandLine, timeout);
        Assert.That(r.ExitCode, Is.EqualTo(0), $"`{commandLine}` failed: {r}");
        return r.Stdout;
    }

    /// <summary>Single-quotes a string for bash.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
