using System.Diagnostics;
using System.Text;

namespace ReverseCrypt.Format.Tests;

/// <summary>Runs the installed gocryptfs 2.3 tools (the oracle) and cleans up what they mount.</summary>
internal static class GocryptfsTool
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Result Run(string fileName, string? standardInput, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        if (standardInput is not null) process.StandardInput.Write(standardInput);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within 60 s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result RunChecked(string fileName, string? standardInput, params string[] arguments)
    {
        var result = Run(fileName, standardInput, arguments);
        Assert.That(result.ExitCode, Is.Zero, $"{fileName} {string.Join(' ', arguments)}: {result.StandardError}{result.StandardOutput}");
        return result;
    }

    /// <summary>gocryptfs-xray -dumpmasterkey CONF with the password on stdin: 64 hex digits.</summary>
    public static string DumpMasterKey(string configPath, string password)
        => RunChecked("gocryptfs-xray", password + "\n", "-dumpmasterkey", configPath).StandardOutput.Trim();

    public static bool IsMounted(string mountPoint)
    {
        var full = Path.GetFullPath(mountPoint);
        return File.ReadLines("/proc/self/mountinfo").Any(line => line.Split(' ')[4] == full);
    }

    /// <summary>Unmounts even a busy or dead mount: fusermount3 -u, then -uz, then umount -l.</summary>
    public static void Unmount(string mountPoint)
    {
        if (!IsMounted(mountPoint)) return;
        if (Run("fusermount3", null, "-u", mountPoint).ExitCode == 0 && !IsMounted(mountPoint)) return;
        if (Run("fusermount3", null, "-uz", mountPoint).ExitCode == 0 && !IsMounted(mountPoint)) return;
        Run("umount", null, "-l", mountPoint);
    }
}
