using System.Diagnostics;
using System.Text;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// The lock held on the destination itself for a whole run, so that no spelling of the same place (a host alias, an
/// IP address, <c>//path</c>, a symlink) lets two runs write into it at once. A small sh script runs on the
/// destination (through <see cref="DestinationShell"/>, i.e. ssh for a remote one) for as long as the run lasts: it
/// takes flock(1) on <c>DEST/.reversecrypt/lock</c> (exclusive for a backup, shared for verify), waits for an rsync
/// of an earlier killed run that may still be writing (it holds <c>DEST/.reversecrypt/rsync.lock</c> while it lives,
/// see <see cref="RsyncPath"/>), empties rsync's temporary directory, prints <c>locked ABSOLUTE-DEST</c>, and then
/// holds the lock until its standard input closes: when this process ends, however it ends (its ssh gets the
/// parent-death signal; the remote sshd then closes the session). With a <see cref="LeaseSession"/> it also prints
/// the destination's probe after that line and runs the run's later steps sent on its input (<see cref="RunStep"/>),
/// so that they cost no ssh session of their own.
/// <para>
/// <c>DEST/.reversecrypt/</c> also holds rsync's temporary and partial files (<c>tmp/</c>, <c>partial/</c>), so a
/// killed transfer never leaves anything inside a snapshot. The name can never be an encrypted name (those are
/// base64url, without dots), and rsync is told to leave it alone.
/// </para>
/// </summary>
public sealed class DestinationLease : IDisposable
{
    /// <summary>The directory on the destination that holds our state.</summary>
    public const string StateDirectory = ".reversecrypt";

    private readonly Process? _holder;
    private readonly Lock _steps = new();
    private readonly string? _marker;
    private readonly string _where = "";
    private readonly bool _remote;
    private volatile bool _ended;

    private DestinationLease(Process? holder, string? absolutePath, bool locked, string? warning)
    {
        _holder = holder;
        AbsolutePath = absolutePath;
        HasRsyncLock = locked;
        Warning = warning;
    }

    private DestinationLease(Process holder, string? absolutePath, bool locked, string? warning, LeaseSession session,
        string? probeOutput, bool runsSteps, string where, bool remote)
        : this(holder, absolutePath, locked, warning)
    {
        ProbeOutput = probeOutput;
        RunsSteps = runsSteps;
        _marker = session.Marker;
        _where = where;
        _remote = remote;
    }

    /// <summary>What the probe printed once the lock was held (a <see cref="LeaseSession"/> with a probe), or null.</summary>
    public string? ProbeOutput { get; }

    /// <summary>The lease runs later steps (<see cref="RunStep"/>): false for one without that session, and for
    /// <c>reversecrypt serve</c>, which takes each step as a command of its own.</summary>
    public bool RunsSteps { get; }

    /// <summary>DEST as an absolute, symlink-free path on its machine; null when DEST does not exist (a dry run).</summary>
    public string? AbsolutePath { get; }

    /// <summary>The destination has flock(1), and the remote rsync should take the rsync lock (<see cref="RsyncPath"/>).</summary>
    public bool HasRsyncLock { get; }

    /// <summary>Why the destination is not locked (no flock(1) there, read-only for a verify), or null.</summary>
    public string? Warning { get; }

    /// <summary>Where rsync keeps temporary files, outside every snapshot; null without <see cref="AbsolutePath"/>.</summary>
    public string? TempDirectory => AbsolutePath is null || !HasRsyncLock ? null : Join(AbsolutePath, StateDirectory + "/tmp");

    /// <summary>Where rsync keeps partial files of an interrupted transfer, outside every snapshot.</summary>
    public string? PartialDirectory => AbsolutePath is null || !HasRsyncLock ? null : Join(AbsolutePath, StateDirectory + "/partial");

    /// <summary>The <c>--rsync-path</c> that makes the remote rsync hold the rsync lock while it lives, or null.</summary>
    public string? RsyncPath => HasRsyncLock && AbsolutePath is not null
        ? $"flock -x {ShellQuoting.QuotePath(Join(AbsolutePath, StateDirectory + "/rsync.lock"))} rsync"
        : null;

    /// <summary>
    /// Takes the destination's lock (exclusive for a writer, shared for a reader), or throws
    /// <see cref="BackupException"/>: Busy when another run holds it or a leftover rsync does not end within
    /// <paramref name="leftoverWait"/>; BadDestination when DEST cannot be used. A writer (<paramref name="create"/>)
    /// creates DEST and our state directory in it when missing; a run that writes nothing (a dry run, verify) creates
    /// nothing and locks only where the state directory exists.
    /// </summary>
    public static DestinationLease Acquire(DestinationShell shell, bool exclusive, bool create, TimeSpan leftoverWait,
        CancellationToken cancellation = default) => Acquire(shell, exclusive, create, leftoverWait, null, cancellation);

    /// <summary>As <see cref="Acquire(DestinationShell, bool, bool, TimeSpan, CancellationToken)"/>, with a
    /// <paramref name="session"/>: the probe's output comes with the lock (<see cref="ProbeOutput"/>), and later steps
    /// can run over the lease's own connection (<see cref="RunStep"/>) where the destination allows it.</summary>
    public static DestinationLease Acquire(DestinationShell shell, bool exclusive, bool create, TimeSpan leftoverWait,
        LeaseSession? session, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var destination = shell.Destination;
        var (program, arguments) = shell.CommandFor(DestinationOp.Lease(exclusive, create, leftoverWait, session));
        var holder = ChildProcess.Start(program, arguments, keepStdin: true);
        var stderr = holder.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            using var registration = cancellation.Register(() => ChildProcess.Stop(holder));
            var line = holder.StandardOutput.ReadLine();
            cancellation.ThrowIfCancellationRequested();
            if (line is null)
            {
                holder.WaitForExit();
                var reason = stderr.GetAwaiter().GetResult().Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
                if (destination.IsRemote && holder.ExitCode == DestinationShell.SshFailure)
                    throw new BackupException(BackupErrorKind.RemoteUnreachable, $"cannot reach {destination.Host}: {(reason.Length > 0 ? reason : "ssh failed (exit 255)")}");
                throw new BackupException(BackupErrorKind.BadDestination, $"cannot lock {destination}: {(reason.Length > 0 ? reason : $"exit code {holder.ExitCode}")}");
            }
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var word = space < 0 ? line : line[..space];
            var rest = space < 0 ? "" : line[(space + 1)..];
            switch (word)
            {
                case "locked":
                    return Held(holder, rest, locked: true, null, session, destination, stderr, cancellation);
                case "unlocked":
                    return Held(holder, null, locked: false,
                        $"{destination} is not locked on the destination ({Reason(rest)}); only the local lock protects it", session, destination, stderr, cancellation);
                case "none":
                    return Held(holder, null, locked: false, null, session, destination, stderr, cancellation);
                case "busy":
                    throw new BackupException(BackupErrorKind.Busy,
                        $"{(exclusive ? "another backup to" : "a backup to")} {destination} is running (it holds {Join(destination.Path, StateDirectory + "/lock")} on the destination); nothing was done");
                case "stuck":
                    throw new BackupException(BackupErrorKind.Busy,
                        $"an rsync of an earlier run still writes into {destination} after {leftoverWait.TotalSeconds:0} s; nothing was done");
                default:
                    throw new BackupException(BackupErrorKind.BadDestination, $"cannot lock {destination}: {(word == "error" ? rest : line)}");
            }
        }
        catch
        {
            End(holder);
            throw;
        }
    }

    /// <summary>The lease once its first line said it holds (or need not hold) the lock: with a session, reads the
    /// probe's lines up to <c>MARKER ready [steps]</c>.</summary>
    private static DestinationLease Held(Process holder, string? absolutePath, bool locked, string? warning, LeaseSession? session,
        BackupDestination destination, Task<string> stderr, CancellationToken cancellation)
    {
        if (session is null) return new DestinationLease(holder, absolutePath, locked, warning);
        var probe = new StringBuilder();
        while (true)
        {
            var line = holder.StandardOutput.ReadLine();
            cancellation.ThrowIfCancellationRequested();
            if (line is null)
            {
                holder.WaitForExit();
                var reason = stderr.GetAwaiter().GetResult().Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
                throw new BackupException(destination.IsRemote ? BackupErrorKind.RemoteUnreachable : BackupErrorKind.BadDestination,
                    $"reading {destination} ended early: {(reason.Length > 0 ? reason : $"exit code {holder.ExitCode}")}");
            }
            if (line == session.Marker + " ready" || line == session.Marker + " ready steps")
            {
                return new DestinationLease(holder, absolutePath, locked, warning, session,
                    session.Probe is null ? null : probe.ToString(), line.EndsWith(" steps", StringComparison.Ordinal),
                    destination.IsRemote ? destination.Host! : destination.Path, destination.IsRemote);
            }
            probe.Append(line).Append('\n');
        }
    }

    /// <summary>
    /// Runs <paramref name="op"/> (its script for <paramref name="destinationPath"/>) over the lease's connection and
    /// returns its exit code, output and stderr, as a step of its own would. Throws <see cref="BackupException"/>
    /// (RemoteUnreachable for a remote destination) when the lease ended, and <see cref="OperationCanceledException"/>
    /// when cancelled (the lease is then ended: the lock goes with it).
    /// </summary>
    public ChildResult RunStep(DestinationOp op, string destinationPath, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!RunsSteps || _holder is null || _marker is null) throw new InvalidOperationException("This lease runs no steps.");
        var script = op.Script(destinationPath);
        if (!script.EndsWith('\n')) script += "\n";
        var lines = script.Count(c => c == '\n');
        var request = $"step {lines.ToString(System.Globalization.CultureInfo.InvariantCulture)} {op.Name}\n{script}";
        lock (_steps)
        {
            if (_ended) throw Ended(op, cancellation);
            using var registration = cancellation.Register(() => ChildProcess.Stop(_holder));
            try
            {
                _holder.StandardInput.Write(request);
                _holder.StandardInput.Flush();
                var stdout = new StringBuilder();
                var first = true;
                int? exitCode = null;
                while (exitCode is null)
                {
                    var line = _holder.StandardOutput.ReadLine() ?? throw Ended(op, cancellation);
                    if (line.StartsWith(_marker + " ", StringComparison.Ordinal)
                        && int.TryParse(line.AsSpan(_marker.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
                    {
                        exitCode = code;
                        break;
                    }
                    if (!first) stdout.Append('\n');
                    stdout.Append(line);
                    first = false;
                }
                var stderr = new StringBuilder();
                while (true)
                {
                    var line = _holder.StandardOutput.ReadLine() ?? throw Ended(op, cancellation);
                    if (line == _marker + " end") break;
                    stderr.Append(line).Append('\n');
                }
                return new ChildResult(exitCode.Value, stdout.ToString(), stderr.ToString());
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                throw Ended(op, cancellation, e);
            }
        }
    }

    private Exception Ended(DestinationOp op, CancellationToken cancellation, Exception? inner = null)
    {
        if (cancellation.IsCancellationRequested) return new OperationCanceledException(cancellation);
        return new BackupException(_remote ? BackupErrorKind.RemoteUnreachable : BackupErrorKind.DestinationFailed,
            $"the session holding the lock on {_where} ended during the step '{op.Name}'", inner);
    }

    private static string Reason(string rest)
    {
        var bar = rest.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? rest : rest[(bar + 1)..];
    }

    /// <summary>The holder script. Prints one line: <c>locked ABS</c>, <c>unlocked ABS|REASON</c>, <c>none</c>,
    /// <c>busy</c>, <c>stuck</c> or <c>error MESSAGE</c>; after <c>locked</c>/<c>unlocked</c>/<c>none</c> it waits for
    /// its standard input to close, with a <paramref name="session"/> after printing the probe and running the steps
    /// it reads there (<see cref="HoldWithSession"/>).</summary>
    internal static string Script(string destinationPath, bool exclusive, bool create, TimeSpan leftoverWait, LeaseSession? session = null)
    {
        var wait = Math.Max(1, (int)Math.Ceiling(leftoverWait.TotalSeconds));
        var s = new StringBuilder();
        s.Append($"d={ShellQuoting.QuotePath(destinationPath)}\n");
        s.Append($"s=\"$d\"/{StateDirectory}\n");
        s.Append(session is null ? "hold() { exec cat >/dev/null; }\n" : HoldWithSession(destinationPath, session));
        if (create)
            s.Append("if [ ! -d \"$d\" ]; then mkdir -p -- \"$d\" 2>/dev/null || { echo \"error cannot create $d\"; exit 0; }; fi\n");
        else
            s.Append("if [ ! -d \"$d\" ]; then echo none; hold; fi\n");
        s.Append("a=$(cd -- \"$d\" && pwd -P) || { echo \"error cannot enter $d\"; exit 0; }\n");
        // Our state directory goes only where a backup is or may go: never into somebody's files (backup refuses
        // such a directory right after, and must leave it as it was).
        s.Append("if [ ! -d \"$s\" ] && [ -n \"$(ls -A -- \"$d\" 2>/dev/null)\" ] && [ ! -e \"$d/gocryptfs.conf\" ] && [ ! -d \"$d/snapshots\" ] && [ ! -L \"$d/latest\" ]; then\n");
        s.Append("  echo \"unlocked $a|$d holds no backup yet\"; hold; fi\n");
        // A run that writes nothing (a dry run, verify) creates nothing: without our state directory there is no
        // writer of this version to exclude, and it locks nothing.
        if (!create) s.Append("if [ ! -d \"$s\" ]; then echo none; hold; fi\n");
        var onFail = exclusive
            ? "echo \"error cannot create $s (read-only or full?)\"; exit 0"
            : "echo \"unlocked $a|cannot create $s\"; hold";
        s.Append($"if [ ! -d \"$s\" ]; then mkdir -- \"$s\" 2>/dev/null || [ -d \"$s\" ] || {{ {onFail}; }}; fi\n");
        s.Append("if ! command -v flock >/dev/null 2>&1; then echo \"unlocked $a|no flock(1) on the destination\"; hold; fi\n");
        s.Append($"exec 9>>\"$s/lock\" || {{ {onFail}; }}\n");
        s.Append($"flock {(exclusive ? "-x" : "-s")} -n 9 || {{ echo busy; exit 0; }}\n");
        if (exclusive)
        {
            s.Append($"exec 8>>\"$s/rsync.lock\" && {{ flock -x -w {wait} 8 || {{ echo stuck; exit 0; }}; }}\n");
            s.Append("exec 8>&-\n");
        }
        if (exclusive && create)
        {
            // What a killed run's rsync left in its temporary directory is of no use; its partial files are kept.
            s.Append("rm -rf -- \"$s/tmp\" 2>/dev/null; mkdir -p -- \"$s/tmp\" \"$s/partial\" 2>/dev/null\n");
        }
        s.Append("echo \"locked $a\"\n");
        s.Append("hold\n");
        return s.ToString();
    }

    /// <summary>
    /// <c>hold</c> for a lease with a <see cref="LeaseSession"/>: prints the probe's lines (when asked for), then
    /// <c>MARKER ready steps</c> (or <c>MARKER ready</c> without steps), and then runs the steps it reads on its
    /// standard input until that closes. A step is <c>step N WORDS...</c> followed by N lines of sh script; it runs in
    /// a subshell with its input from /dev/null, its output goes to ours, and then comes <c>\nMARKER EXIT</c>, its
    /// stderr, and <c>MARKER end</c>. Each step then costs no new ssh session: no session set-up by sshd and no start
    /// of the user's login shell with its rc files, which measured about 0.2 s a step on a quiet machine.
    /// </summary>
    private static string HoldWithSession(string destinationPath, LeaseSession session)
    {
        var s = new StringBuilder("hold() {\n");
        if (session.Probe is { } clones)
            s.Append("( ").Append(SnapshotStore.ProbeScript(destinationPath, clones)).Append("\n)\n");
        s.Append($"m={session.Marker}\n");
        if (!session.Steps)
        {
            s.Append("printf '%s ready\\n' \"$m\"; exec cat >/dev/null\n}\n");
            return s.ToString();
        }
        s.Append("""
            printf '%s ready steps\n' "$m"
            exec 7>&1
            while IFS= read -r h; do
              case $h in "step "[0-9]*) n=${h#step }; n=${n%% *} ;; *) continue ;; esac
              case $n in *[!0-9]*) exit 1 ;; esac
              c=; i=0
              while [ "$i" -lt "$n" ] && IFS= read -r l; do c="$c$l
            "; i=$((i + 1)); done
              r=$( ( eval "$c" ) </dev/null 2>&1 1>&7 7>&-; echo " $?" )
              printf '\n%s %s\n%s\n%s end\n' "$m" "${r##* }" "${r% *}" "$m"
            done
            exit 0
            }

            """);
        return s.ToString();
    }

    private static string Join(string directory, string relative) => directory == "/" ? "/" + relative : directory + "/" + relative;

    /// <summary>Releases the lock: closes the holder's input and waits briefly for it to end.</summary>
    public void Dispose()
    {
        _ended = true;
        if (_holder is not null) End(_holder);
    }

    private static void End(Process holder)
    {
        try
        {
            holder.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }
        if (!holder.WaitForExit(TimeSpan.FromSeconds(5))) ChildProcess.Stop(holder);
        holder.Dispose();
    }
}
