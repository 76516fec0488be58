namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Proves that a backup equals what the plaintext encrypts to, byte for byte, without the remote side ever seeing the
/// key: the view's ciphertext is deterministic, so rsync compares full-file checksums computed on each side
/// (<c>--checksum --dry-run</c>) and itemizes every difference. Like <see cref="BackupRun"/> in two steps, so that the
/// view is mounted only for <see cref="Compare"/>.
/// </summary>
public sealed class VerifyRun
{
    private readonly VerifyOptions _options;
    private readonly DestinationAccess _access;
    private readonly SnapshotStore _store;
    private string? _target;
    private string? _snapshot;

    public VerifyRun(VerifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _access = new DestinationAccess(options.Destination, options.RemoteShell);
        _store = _access.Store;
        if (options.Snapshot is not null && !SnapshotName.TryParse(options.Snapshot, out _))
            throw new BackupException(BackupErrorKind.Usage, $"--snapshot {options.Snapshot}: not a snapshot name (like 2025-06-01T021500Z)");
    }

    /// <summary>The snapshot being checked (null for a backup without snapshots); set by <see cref="Resolve"/>.</summary>
    public string? Snapshot => _snapshot;

    /// <summary>Finds what to compare with: the given snapshot, the latest one, or DEST. Throws <see cref="BackupException"/>.</summary>
    public string Resolve(CancellationToken cancellation = default)
    {
        _access.CheckLocalTools();
        var destination = _options.Destination;
        DestinationState state;
        try
        {
            state = _store.Probe(cancellation);
        }
        catch (OperationCanceledException e)
        {
            throw new BackupException(BackupErrorKind.Interrupted, "interrupted", e);
        }
        if (!state.Exists)
            throw new BackupException(BackupErrorKind.BadDestination, $"{destination}: no such directory");
        if (!state.HasRsync)
            throw new BackupException(BackupErrorKind.ToolMissing, $"rsync is not installed on {destination.Host}");
        if (_options.Snapshot is { } wanted)
        {
            if (!state.Complete.Contains(wanted))
                throw new BackupException(BackupErrorKind.BadDestination, $"{destination} has no complete snapshot {wanted}");
            _snapshot = wanted;
        }
        else if (state.Complete.Count > 0)
        {
            _snapshot = state.LatestSnapshot ?? state.Complete[^1];
        }
        else if (state.HasSnapshots)
        {
            throw new BackupException(BackupErrorKind.BadDestination, $"{destination} has no complete snapshot yet");
        }
        else if (!state.HasConfig)
        {
            throw new BackupException(BackupErrorKind.BadDestination, $"{destination} holds no backup (neither snapshots nor gocryptfs.conf)");
        }
        _target = _snapshot is null ? destination.RsyncPath() : destination.RsyncPath(SnapshotName.SnapshotsDirectory + "/" + _snapshot);
        return _target;
    }

    /// <summary>Compares the mounted view with the backup. Throws <see cref="BackupException"/> when rsync fails;
    /// differences are returned, not thrown.</summary>
    public VerifyResult Compare(string viewPath, Action<string>? rsyncMessage = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(viewPath);
        var target = _target ?? throw new InvalidOperationException("Resolve first.");
        var arguments = RsyncArguments.ForVerify(viewPath, target, _options.Destination.IsRemote ? _options.RemoteShell : null);
        var run = RsyncProcess.Run(arguments, null, rsyncMessage, cancellation: cancellation);
        var kind = RsyncExitCode.Classify(run.ExitCode, run.Cancelled, _options.Destination.IsRemote);
        if (kind is not null)
        {
            var detail = run.LastErrorLine;
            throw new BackupException(kind.Value, kind == BackupErrorKind.Interrupted
                ? "interrupted"
                : $"rsync exit code {run.ExitCode} ({RsyncExitCode.Describe(run.ExitCode)}){(detail.Length > 0 ? ": " + detail : "")}; the comparison is incomplete")
            { RsyncExitCode = run.ExitCode };
        }
        var differences = new List<VerifyDifference>();
        foreach (var line in run.OutputLines)
        {
            if (VerifyDifference.TryParse(line, out var difference)) differences.Add(difference);
        }
        var remaining = HardLinkCheck.Reconcile(viewPath, differences, paths => BackupHashes(paths, cancellation));
        return new VerifyResult(target, _snapshot, remaining, run);
    }

    private IReadOnlyDictionary<string, string> BackupHashes(IReadOnlyList<string> cipherPaths, CancellationToken cancellation)
    {
        var destination = _options.Destination;
        var targetPath = _snapshot is null ? destination.Path : destination.Join(SnapshotName.SnapshotsDirectory + "/" + _snapshot);
        var result = _store.Shell.Run(HardLinkCheck.HashScript(targetPath, cipherPaths), cancellation);
        return HardLinkCheck.ParseHashes(result.Stdout);
    }
}
