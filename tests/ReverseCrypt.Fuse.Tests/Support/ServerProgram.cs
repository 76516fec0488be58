using System.Diagnostics;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// A FUSE server program whose build output is copied next to the tests (both are project references), run as a
/// separate process: <see cref="HelloFs"/> is the teaching sample (samples/HelloFs), <see cref="TestServer"/> its
/// feature-rich sibling for tests and bench/fuse/run.sh (tests/ReverseCrypt.Fuse.TestServer: xattrs, /link,
/// --direct-io, --keep-cache, --no-xattr, --timeout, --threads, --fusermount, --device).
/// </summary>
internal sealed class ServerProgram(string name)
{
    public static readonly ServerProgram HelloFs = new("HelloFs");

    public static readonly ServerProgram TestServer = new("ReverseCrypt.Fuse.TestServer");

    public string AppHost => Path.Combine(AppContext.BaseDirectory, name);

    public string Dll => Path.Combine(AppContext.BaseDirectory, name + ".dll");

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Starts the program in the foreground through the dotnet host (works wherever the SDK running the tests
    /// is installed); stdout/stderr are collected. The process id is the server's.</summary>
    public Process Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
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

    /// <summary>Waits until the mountpoint answers (both programs print after INIT, but polling the mount is enough).</summary>
    public static void WaitMounted(string mountpoint, Process process, int timeoutMilliseconds = 30_000)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.ElapsedMilliseconds < timeoutMilliseconds)
        {
            if (process.HasExited)
            {
                Assert.Fail($"the server exited with {process.ExitCode}: {process.StandardError.ReadToEnd()}");
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
