namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Runs the steps on the destination machine (<see cref="DestinationOp"/>: small POSIX sh scripts with mkdir, mv,
/// ln -sfn, rm -rf, readlink): locally with <c>/bin/sh -c</c>, remotely with the same remote-shell command that rsync
/// gets (<c>--ssh</c>), as <c>ssh ... HOST "sh -c 'SCRIPT' reversecrypt-op NAME ARGS..."</c>, so whatever login shell
/// the remote user has, the script runs in sh; a remote whose key is bound to <c>reversecrypt serve</c> runs the
/// operation NAME ARGS instead (it never runs the script text). The remote side needs nothing but sh, coreutils and
/// rsync (or reversecrypt for serve); never the key.
/// </summary>
public sealed class DestinationShell
{
    /// <summary>ssh's own exit code when it could not connect or authenticate.</summary>
    public const int SshFailure = 255;

    private readonly IReadOnlyList<string> _remoteShell;

    public DestinationShell(BackupDestination destination, IReadOnlyList<string> remoteShell)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(remoteShell);
        if (remoteShell.Count == 0) throw new ArgumentException("The remote shell command is empty.", nameof(remoteShell));
        Destination = destination;
        _remoteShell = remoteShell;
    }

    public BackupDestination Destination { get; }

    /// <summary>A lease that runs steps over its own connection (<see cref="DestinationLease.RunStep"/>): while set,
    /// every step goes there instead of a session of its own.</summary>
    public DestinationLease? Lease { get; set; }

    /// <summary>The program and arguments that run <paramref name="op"/> on the destination.</summary>
    public (string Program, IReadOnlyList<string> Arguments) CommandFor(DestinationOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        var script = op.Script(Destination.Path);
        if (!Destination.IsRemote) return ("/bin/sh", ["-c", script]);
        return (_remoteShell[0], [.. _remoteShell.Skip(1), Destination.Host!, RemoteCommand(script, op)]);
    }

    /// <summary>The remote command line: <c>sh -c 'SCRIPT' reversecrypt-op NAME ARGS...</c>, each word sh-quoted.</summary>
    public static string RemoteCommand(string script, DestinationOp op)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(op);
        return $"sh -c {ShellQuoting.Quote(script)} {DestinationOp.Marker} {op}";
    }

    /// <summary>
    /// Runs the step and returns its result. Throws <see cref="BackupException"/>: RemoteUnreachable when ssh
    /// could not connect or log in (exit 255), ToolMissing when the remote shell program is missing here.
    /// A non-zero exit of the step itself is returned, not thrown.
    /// </summary>
    public ChildResult Run(DestinationOp op, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (Lease is { RunsSteps: true } lease) return lease.RunStep(op, Destination.Path, cancellation);
        var (program, arguments) = CommandFor(op);
        var result = ChildProcess.Run(program, arguments, cancellation);
        if (Destination.IsRemote && result.ExitCode == SshFailure)
        {
            var reason = result.LastErrorLine;
            throw new BackupException(BackupErrorKind.RemoteUnreachable,
                $"cannot reach {Destination.Host} with '{string.Join(' ', _remoteShell)}': {(reason.Length > 0 ? reason : "ssh failed (exit 255)")}");
        }
        return result;
    }

    /// <summary>Runs the step and throws <see cref="BackupException"/> (<paramref name="kind"/>) when it fails,
    /// with what it printed on stderr.</summary>
    public string RunChecked(DestinationOp op, string what, BackupErrorKind kind = BackupErrorKind.BadDestination,
        CancellationToken cancellation = default)
    {
        var result = Run(op, cancellation);
        if (result.ExitCode != 0)
        {
            var reason = result.LastErrorLine;
            throw new BackupException(kind, $"{what} on {Destination.Text} failed: {(reason.Length > 0 ? reason : $"exit code {result.ExitCode}")}");
        }
        return result.Stdout;
    }
}
