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
        Store = new SnapshotStore(new DestinationShell(destination, _remoteShell));
    }

    public SnapshotStore Store { get; }

    /// <summary>Checks that rsync (and, for a remote destination, the remote shell) exist here. Throws <see cref="BackupException"/>.</summary>
    public void CheckLocalTools()
    {
        if (!ChildProcess.Exists(RsyncProcess.Program))
            throw new BackupException(BackupErrorKind.ToolMissing, "rsync is not installed (install the rsync package)");
        if (_destination.IsRemote && !ChildProcess.Exists(_remoteShell[0]))
            throw new BackupException(BackupErrorKind.ToolMissing, $"the remote shell '{_remoteShell[0]}' is not installed (install openssh-client, or fix --ssh)");
    }
}
