namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Proves that a backup equals what the plaintext encrypts to, byte for byte, without the remote side ever seeing the
/// key: the view's ciphertext is deterministic, so rsync compares full-file checksums computed on each side
/// (<c>--checksum --dry-run</c>) and itemizes every difference. Like <see cref="BackupRun"/> in two steps, so that the
/// view is mounted only for <see cref="Compare"/>.
/// </summary>
public sealed class VerifyRun : IDisposable
{
    private readonly VerifyOptions _options;
    private readonly DestinationAccess _access;
    private readonly SnapshotStore _store;
    private string? _target;
    private string? _snapshot;
    private DestinationState? _state;

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

    /// <summary>Why the destination could not be locked (e.g. read-only), or null.</summary>
    public string? LockWarning => _access.Lease?.Warning;

    /// <summary>Releases the destination's lock.</summary>
    public void Dispose()
    {
        _access.Unlock();
    }

    /// <summary>
    /// Re-sends every differing entry of the checked tree from the view (<paramref name="differences"/>, as
    /// <see cref="Compare"/> found them): each listed file is written as a new file and renamed into place (rsync
    /// without --inplace, -I so that equal sizes and times do not hide a damaged file), never written into its inode,
    /// which older snapshots may share; entries only in the backup are deleted. Returns the older snapshots that still
    /// hold the damaged file under the same path and inode (name, cipher path), found before the repair.
    /// </summary>
    public (RsyncRun Run, IReadOnlyList<(string Snapshot, string CipherPath)> SharedWithOlder) Repair(string viewPath,
        IReadOnlyList<VerifyDifference> differences, Action<string>? rsyncMessage = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(viewPath);
        ArgumentNullException.ThrowIfNull(differences);
        var target = _target ?? throw new InvalidOperationException("Resolve first.");
        if (!_options.Repair) throw new InvalidOperationException("Repair needs VerifyOptions.Repair (the exclusive lock).");
        var shared = SharedWithOlder(differences, cancellation);
        var list = Path.Combine(Path.GetTempPath(), $"reversecrypt-repair-{Environment.ProcessId}-{Guid.NewGuid():N}.list");
        var includes = Path.ChangeExtension(list, ".include");
        try
        {
            // Each differing entry and every directory above it: writing a file into a directory changes the
            // directory's mtime, which rsync sets back only for directories it is given.
            var entries = new SortedSet<string>(StringComparer.Ordinal) { "." };
            foreach (var difference in differences)
            {
                var path = difference.CipherPath;
                if (path.Length == 0) continue;
                entries.Add(path);
                for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
                    entries.Add(path[..slash]);
            }
            // The includes keep the listed "." from sending the root's other entries: with -I each of them would be
            // sent again, as a new inode.
            ChangePlan.WriteFilesFrom(list, includes, [.. entries.Select(System.Text.Encoding.UTF8.GetBytes)]);
            var arguments = RsyncArguments.ForRepair(viewPath, target, list, includes, _options.Destination.IsRemote ? _access.RsyncShell : null, _access.Lease);
            var run = RsyncProcess.Run(arguments, null, rsyncMessage, cancellation: cancellation);
            var (kind, cause) = BackupRun.ClassifyTransfer(run, _options.Destination.IsRemote);
            if (kind is not null)
            {
                throw new BackupException(kind.Value, kind == BackupErrorKind.Interrupted
                    ? "interrupted during the repair; run verify --repair again"
                    : $"the repair failed: rsync exit code {run.ExitCode} ({RsyncExitCode.Describe(run.ExitCode)}): {cause?.Text ?? run.LastErrorLine}")
                { RsyncExitCode = run.ExitCode };
            }
            return (run, shared);
        }
        finally
        {
            File.Delete(list);
            File.Delete(includes);
        }
    }

    /// <summary>For each differing file of the checked snapshot: the other snapshots where the same path is the same
    /// inode (hard-linked by an earlier backup), i.e. that hold the same damaged bytes.</summary>
    private List<(string Snapshot, string CipherPath)> SharedWithOlder(IReadOnlyList<VerifyDifference> differences, CancellationToken cancellation)
    {
        var found = new List<(string, string)>();
        if (_snapshot is null || _state is null) return found;
        var paths = differences.Where(d => d.Kind == VerifyDifferenceKind.Content && d.Changes[1] == 'f').Select(d => d.CipherPath).ToList();
        var others = _state.Complete.Where(n => n != _snapshot).ToList();
        if (paths.Count == 0 || others.Count == 0) return found;
        var output = _store.Shell.RunChecked(DestinationOp.Shared(_snapshot, others, paths), "looking for older snapshots that share damaged files", cancellation: cancellation);
        foreach (var line in output.Split('\n'))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3 && parts[0] == "shared") found.Add((parts[1], parts[2]));
        }
        return found;
    }

    /// <summary>The template of the step that prints "shared OTHER PATH" for each path of <paramref name="snapshot"/>
    /// that is the same inode in another snapshot.</summary>
    internal static string SharedScript(string destinationPath, string snapshot, IEnumerable<string> others, IEnumerable<string> paths)
    {
        var script = new System.Text.StringBuilder();
        script.Append($"s={ShellQuoting.QuotePath(DestinationOp.JoinPath(destinationPath, SnapshotName.SnapshotsDirectory))}\n");
        script.Append($"t={ShellQuoting.Quote(snapshot)}\n");
        script.Append("for o in");
        foreach (var other in others) script.Append(' ').Append(ShellQuoting.Quote(other));
        script.Append("; do\n");
        foreach (var path in paths)
            script.Append($"  if [ -f \"$s/$o\"/{ShellQuoting.Quote(path)} ] && [ \"$s/$o\"/{ShellQuoting.Quote(path)} -ef \"$s/$t\"/{ShellQuoting.Quote(path)} ]; then printf 'shared %s %s\\n' \"$o\" {ShellQuoting.Quote(path)}; fi\n");
        script.Append("done\nexit 0\n");
        return script.ToString();
    }

    /// <summary>Finds what to compare with: the given snapshot, the latest one, or DEST. Throws <see cref="BackupException"/>.</summary>
    public string Resolve(CancellationToken cancellation = default)
    {
        _access.CheckLocalTools();
        var destination = _options.Destination;
        DestinationState state;
        try
        {
            // A reader shares the destination with other verifies, never with a backup writing into it.
            var lease = _access.Lock(exclusive: _options.Repair, create: _options.Repair, BackupRun.LeftoverWait, cancellation, probe: false);
            state = lease.ProbeOutput is { } probed ? _store.ParseProbe(probed) : _store.Probe(cancellation);
            _state = state;
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
        var arguments = RsyncArguments.ForVerify(viewPath, target, _options.Destination.IsRemote ? _access.RsyncShell : null);
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
        var result = _store.Shell.Run(DestinationOp.Hash(_snapshot, cipherPaths), cancellation);
        return HardLinkCheck.ParseHashes(result.Stdout);
    }
}
