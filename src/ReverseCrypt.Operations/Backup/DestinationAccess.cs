namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// What <see cref="BackupRun"/> and <see cref="VerifyRun"/> share to reach a destination: the remote-shell command
/// (split once), the <see cref="SnapshotStore"/> that runs scripts there, and the check that the local tools exist.
/// </summary>
internal sealed class DestinationAccess
{
    private readonly BackupDestination _destination;
    private readonly IReadOnlyList<string> _remoteShell;

    public DestinationAccess(BackupDestination destination, string remoteShell)
    {
        _destination = destination;
        _remoteShell = destination.IsRemote ? ShellQuoting.SplitRemoteShell(remoteShell) : ["ssh"];
        RsyncShell = remoteShell;
        IReadOnlyList<string> steps = _remoteShell, lease = _remoteShell;
        if (destination.IsRemote && Path.GetFileName(_remoteShell[0]) == "ssh")
        {
            // One ssh connection for the whole run: the lease's session is the master, every later step (probe,
            // snapshot scripts, rsync) a multiplexed session over it: no key exchange and login per step. The socket is
            // this run's own; a step finding no master simply connects on its own.
            ControlPath = Path.Combine(ViewRuntimeDirectory.SharedBase(), $"ssh-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.sock");
            lease = [.. _remoteShell, "-o", "ControlMaster=yes", "-o", "ControlPersist=no", "-o", $"ControlPath={ControlPath}"];
            steps = [.. _remoteShell, "-o", "ControlMaster=no", "-o", $"ControlPath={ControlPath}"];
            RsyncShell = $"{remoteShell} -o ControlMaster=no -o ControlPath={ControlPath}";
        }
        Store = new SnapshotStore(new DestinationShell(destination, steps));
        LeaseShell = new DestinationShell(destination, lease);
    }

    public SnapshotStore Store { get; }

    /// <summary>The lock on the destination, once <see cref="Lock"/> took it.</summary>
    public DestinationLease? Lease { get; private set; }

    /// <summary>Takes the lock on the destination (see <see cref="DestinationLease.Acquire"/>) over the run's master
    /// connection, after removing what killed runs left (<see cref="RemoveStaleRunFiles"/>); once per run.</summary>
    /// <remarks>The lease prints the destination's probe once it holds the lock (<paramref name="probe"/>: null none,
    /// false plain, true with clone detection; see <see cref="DestinationLease.ProbeOutput"/>) and then runs every
    /// later step of <see cref="Store"/> over its own session (unless the destination is <c>reversecrypt serve</c>):
    /// measured, each step in a session of its own cost about 0.2 s (sshd's session set-up and the user's login
    /// shell with its rc files), a step over the lease a few milliseconds plus its own work.</remarks>
    public DestinationLease Lock(bool exclusive, bool create, TimeSpan leftoverWait, CancellationToken cancellation, bool? probe = null)
    {
        if (Lease is { } held) return held;
        RemoveStaleRunFiles();
        Lease = DestinationLease.Acquire(LeaseShell, exclusive, create, leftoverWait, LeaseSession.Create(probe, steps: true), cancellation);
        if (Lease.RunsSteps) Store.Shell.Lease = Lease;
        return Lease;
    }

    /// <summary>Releases the lock on the destination (ending the master connection) and removes its socket.</summary>
    public void Unlock()
    {
        Store.Shell.Lease = null;
        Lease?.Dispose();
        Lease = null;
        RemoveControlSocket();
    }

    /// <summary>The shell that runs the lease (<see cref="DestinationLease"/>): the ssh master of the run.</summary>
    public DestinationShell LeaseShell { get; }

    /// <summary>The remote-shell command for rsync's -e (multiplexed over the lease's connection when possible).</summary>
    public string RsyncShell { get; }

    /// <summary>This run's ssh control socket, or null when ssh is not OpenSSH's (or the destination is local).</summary>
    public string? ControlPath { get; }

    /// <summary>Removes this run's control socket (the master is gone once the lease ended).</summary>
    private void RemoveControlSocket()
    {
        if (ControlPath is null) return;
        try
        {
            File.Delete(ControlPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next run's clean-up.
        }
    }

    /// <summary>Removes what runs whose process is gone (killed runs) left in the runtime directory: their ssh control
    /// sockets (<c>ssh-PID-ID.sock</c>), rsync file lists (<c>files-PID-ID.list</c>, cipher paths) and their include
    /// rules (<c>files-PID-ID.include</c>, cipher names).</summary>
    private static void RemoveStaleRunFiles()
    {
        string[] files;
        try
        {
            var runtime = ViewRuntimeDirectory.SharedBase();
            files = [.. Directory.GetFiles(runtime, "ssh-*.sock"), .. Directory.GetFiles(runtime, "files-*.list"), .. Directory.GetFiles(runtime, "files-*.include")];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var file in files)
        {
            var parts = Path.GetFileName(file).Split('-');
            if (parts.Length < 3 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)) continue;
            if (Directory.Exists($"/proc/{pid}")) continue;
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else's; leave it.
            }
        }
    }

    /// <summary>Checks that rsync (and, for a remote destination, the remote shell) exist here. Throws <see cref="BackupException"/>.</summary>
    public void CheckLocalTools()
    {
        if (!ChildProcess.Exists(RsyncProcess.Program))
            throw new BackupException(BackupErrorKind.ToolMissing, "rsync is not installed (install the rsync package)");
        if (_destination.IsRemote && !ChildProcess.Exists(_remoteShell[0]))
            throw new BackupException(BackupErrorKind.ToolMissing, $"the remote shell '{_remoteShell[0]}' is not installed (install openssh-client, or fix --ssh)");
    }
}
