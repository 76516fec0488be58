using System.Diagnostics;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>The HelloFs sample (copied next to the tests) run as a separate process; see <see cref="ServerProgram"/>.</summary>
internal static class Sample
{
    public static string AppHost => ServerProgram.HelloFs.AppHost;

    public static string Dll => ServerProgram.HelloFs.Dll;

    public static string DotnetHost => ServerProgram.DotnetHost;

    /// <summary>Starts the sample in the foreground through the dotnet host (works wherever the SDK running the tests
    /// is installed); stdout/stderr are collected. The process id is the server's.</summary>
    public static Process Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null) =>
        ServerProgram.HelloFs.Start(arguments, environment);

    /// <summary>Waits until the mountpoint answers (the sample prints after INIT, but polling the mount is enough).</summary>
    public static void WaitMounted(string mountpoint, Process process, int timeoutMilliseconds = 30_000) =>
        ServerProgram.WaitMounted(mountpoint, process, timeoutMilliseconds);
}
