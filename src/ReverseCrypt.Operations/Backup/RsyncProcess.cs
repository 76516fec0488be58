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
        using var child = Start(arguments, progress, stderrLine, cpu, input: false);
        return child.Wait(cancellation);
    }

    /// <summary>
    /// Starts rsync as <see cref="Run"/> does, and returns at once. With <paramref name="input"/> its standard input
    /// stays open for <see cref="RsyncChild.Send"/> (<c>--files-from=-</c>): rsync connects, starts its remote side
    /// and agrees on the protocol while the caller still prepares the list; the remote side touches the destination
    /// only once the file list arrives. The caller must wait for it (<see cref="RsyncChild.Wait"/>) on the thread that
    /// started it (see <see cref="ChildProcess.Start"/>).
    /// </summary>
    public static RsyncChild Start(IReadOnlyList<string> arguments, Action<RsyncProgress>? progress = null,
        Action<string>? stderrLine = null, int? cpu = null, bool input = false)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        bool pin = cpu is not null && ChildProcess.Exists(TasksetProgram);
        var process = pin
            ? ChildProcess.Start(TasksetProgram, ["-c", cpu!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), Program, .. arguments], keepStdin: input)
            : ChildProcess.Start(Program, arguments, keepStdin: input);
        return new RsyncChild(process, progress, stderrLine, pin ? cpu : null);
    }
}
