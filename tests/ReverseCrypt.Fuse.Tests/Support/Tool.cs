using System.Diagnostics;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>Runs a real program (ls, stat, dd, ...) with a timeout and returns its exit code and output.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}; stdout: {Stdout}; stderr: {Stderr}";
    }

    public static Result Run(string program, params string[] arguments) => Run(program, arguments, null);

    public static Result Run(string program, IEnumerable<string> arguments, IDictionary<string, string?>? environment,
        int timeoutMilliseconds = 60_000)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {timeoutMilliseconds} ms");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a program that must succeed; returns its stdout.</summary>
    public static string Ok(string program, params string[] arguments)
    {
        Result result = Run(program, arguments);
        Assert.That(result.ExitCode, Is.EqualTo(0), $"{program} {string.Join(' ', arguments)}: {result}");
        return result.Stdout;
    }

    /// <summary>True when <paramref name="path"/> is a mountpoint in /proc/self/mountinfo.</summary>
    public static bool IsMounted(string path) => Mounting.MountTable.Find(path) is not null;

    /// <summary>Last-resort cleanup: lazy unmount until nothing is mounted at <paramref name="path"/>.</summary>
    public static void ForceUnmount(string path)
    {
        for (int i = 0; i < 5 && IsMounted(path); i++)
        {
            Run("umount", "-l", path);
        }
    }
}
