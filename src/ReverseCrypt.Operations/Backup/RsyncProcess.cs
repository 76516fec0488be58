using System.Diagnostics;
using System.Text;

namespace ReverseCrypt.Operations.Backup;

/// <summary>Runs rsync as a child process, turning its output into progress updates, statistics and lines.</summary>
public static class RsyncProcess
{
    /// <summary>The rsync program (a name on PATH, or a path).</summary>
    public static string Program { get; set; } = "rsync";

    /// <summary>util-linux's taskset, used to pin rsync to one CPU.</summary>
    public const string TasksetProgram = "taskset";

    /// <summary>
    /// Runs rsync with <paramref name="arguments"/> to the end. <paramref name="progress"/> gets every progress2
    /// update, <paramref name="stderrLine"/> every line of rsync's stderr as it comes (both on a reader thread). On
    /// cancellation rsync is stopped with SIGINT (it then keeps its partial file), escalating if it does not exit.
    /// With <paramref name="cpu"/>, rsync and the processes it starts (ssh, its local receiver) run on that CPU only
    /// (through taskset(1), when it is there).
    /// </summary>
    public static RsyncRun Run(IReadOnlyList<string> arguments, Action<RsyncProgress>? progress = null,
        Action<string>? stderrLine = null, int? cpu = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var clock = Stopwatch.StartNew();
        var parser = new RsyncOutputParser();
        var lines = new List<string>();
        var stderr = new StringBuilder();
        bool pin = cpu is not null && ChildProcess.Exists(TasksetProgram);
        using var process = pin
            ? ChildProcess.Start(TasksetProgram, ["-c", cpu!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), Program, .. arguments])
            : ChildProcess.Start(Program, arguments);
        long progressBytes = -1;
        var stdoutReader = Task.Run(() => ReadLines(process.StandardOutput.BaseStream, line =>
        {
            if (RsyncOutputParser.TryParseProgress(line, out var update))
            {
                Volatile.Write(ref progressBytes, update.Bytes);
                Notify(progress, update);
            }
            else if (!parser.TryParseStatsLine(line) && line.Trim().Length > 0) lines.Add(line);
        }), CancellationToken.None);
        var stderrReader = Task.Run(() => ReadLines(process.StandardError.BaseStream, line =>
        {
            stderr.Append(line).Append('\n');
            Notify(stderrLine, line);
        }), CancellationToken.None);
        var cancelled = false;
        using (cancellation.Register(() => { cancelled = true; ChildProcess.Stop(process); }))
        {
            process.WaitForExit();
            Task.WaitAll(stdoutReader, stderrReader);
        }
        return new RsyncRun(process.ExitCode, parser.Stats, lines, stderr.ToString(), cancelled || cancellation.IsCancellationRequested,
            clock.Elapsed)
        { Cpu = pin ? cpu : null, ProgressBytes = Volatile.Read(ref progressBytes) };
    }

    /// <summary>Calls a display callback; a failing display must never stop the reading of rsync's output (rsync
    /// would block on a full pipe) nor the backup.</summary>
    private static void Notify<T>(Action<T>? callback, T value)
    {
        try
        {
            callback?.Invoke(value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            System.Diagnostics.Debug.WriteLine($"progress display failed: {e.Message}");
        }
    }

    /// <summary>Splits a byte stream into lines at '\n' and '\r' (progress updates end with '\r').</summary>
    internal static void ReadLines(Stream stream, Action<string> onLine)
    {
        var buffer = new byte[16384];
        var line = new List<byte>(256);
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                var b = buffer[i];
                if (b is (byte)'\n' or (byte)'\r')
                {
                    if (line.Count > 0) onLine(Encoding.UTF8.GetString(line.ToArray()));
                    line.Clear();
                }
                else
                {
                    line.Add(b);
                }
            }
        }
        if (line.Count > 0) onLine(Encoding.UTF8.GetString(line.ToArray()));
    }
}
