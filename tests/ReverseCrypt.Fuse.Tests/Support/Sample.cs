using System.Diagnostics;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>The HelloFs sample (copied next to the tests) run as a separate process.</summary>
internal static class Sample
{
    public static string AppHost => Path.Combine(AppContext.BaseDirectory, "HelloFs");

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "HelloFs.dll");

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Starts the sample in the foreground through the dotnet host (works wherever the SDK running the tests
    /// is installed); stdout/stderr are collected. The process id is the server's.</summary>
    public static Process Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        Process process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    /// <summary>Waits until the mountpoint answers (the sample prints after INIT, but polling the mount is enough).</summary>
    public static void WaitMounted(string mountpoint, Process process, int timeoutMilliseconds = 30_000)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.ElapsedMilliseconds < timeoutMilliseconds)
        {
            if (process.HasExited)
            {
                Assert.Fail($"the sample exited with {process.ExitCode}: {process.StandardError.ReadToEnd()}");
            }
            if (Tool.IsMounted(mountpoint) && File.Exists(Path.Combine(mountpoint, "hello.txt")))
            {
                return;
            }
            Thread.Sleep(50);
        }
        Assert.Fail($"{mountpoint} was not mounted within {timeoutMilliseconds} ms");
    }
}
