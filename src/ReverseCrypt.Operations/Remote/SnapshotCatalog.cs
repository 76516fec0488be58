using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Operations.Remote;

/// <summary>
/// The snapshots of a destination (local or <c>[user@]host:path</c>), read with one <see cref="SnapshotStore.Probe"/>
/// (one ssh round trip, no key needed), and the choice of the snapshot to restore from.
/// </summary>
public sealed class SnapshotCatalog
{
    private SnapshotCatalog(SnapshotStore store, DestinationState state)
    {
        Store = store;
        State = state;
    }

    public SnapshotStore Store { get; }

    public DestinationState State { get; }

    public BackupDestination Destination => Store.Destination;

    /// <summary>Every snapshot, oldest first (complete and incomplete interleaved by name, which is their start time).</summary>
    public IReadOnlyList<SnapshotEntry> Snapshots
    {
        get
        {
            var latest = State.LatestSnapshot;
            var all = State.Complete.Select(n => Entry(n, complete: true, n == latest))
                .Concat(State.Incomplete.Select(n => Entry(n, complete: false, latest: false)));
            return [.. all.OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Complete ? 0 : 1)];
        }
    }

    private static SnapshotEntry Entry(string name, bool complete, bool latest)
    {
        // Every name here was recognised by the probe's parser, so it parses; a failure would leave the time unset.
        _ = SnapshotName.TryParse(name, out var time);
        return new SnapshotEntry(name, time, complete, latest);
    }

    /// <summary>
    /// Reads the destination. Throws <see cref="BackupException"/>: RemoteUnreachable (ssh could not connect or log
    /// in), ToolMissing (no ssh here), BadDestination (DEST missing or not a directory, or the listing failed).
    /// </summary>
    public static SnapshotCatalog Read(string destination, string? remoteShell, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var parsed = BackupDestination.Parse(destination);
        var shellWords = parsed.IsRemote ? ShellQuoting.SplitRemoteShell(remoteShell ?? "ssh") : ["ssh"];
        if (parsed.IsRemote && !ChildProcess.Exists(shellWords[0]))
            throw new BackupException(BackupErrorKind.ToolMissing, $"the remote shell '{shellWords[0]}' is not installed (install openssh-client, or fix --ssh)");
        var store = new SnapshotStore(new DestinationShell(parsed, shellWords));
        var state = store.Probe(cancellation);
        if (state.NotADirectory)
            throw new BackupException(BackupErrorKind.BadDestination, $"{parsed.Text} is not a directory");
        if (!state.Exists)
            throw new BackupException(BackupErrorKind.BadDestination, $"{parsed.Text}: no such directory");
        return new SnapshotCatalog(store, state);
    }

    /// <summary>Throws <see cref="NotInBackupException"/> unless DEST holds at least one snapshot; the message says
    /// what DEST is instead (a plain copy, an empty directory, something else).</summary>
    public void RequireSnapshots()
    {
        if (Snapshots.Count > 0) return;
        var what = State.HasConfig
            ? "is a plain copy without snapshots (made by backup without --snapshots): restore it as it is"
            : !State.NonEmpty
                ? "is empty: no backup has been made to it yet"
                : State.LatestTarget is not null
                    ? "has a 'latest' link but no snapshots directory entries"
                    : "is not a snapshot destination (no snapshots/ directory with snapshots, no gocryptfs.conf)";
        throw new NotInBackupException($"{Destination.Text} {what}");
    }

    /// <summary>
    /// The directory (relative to DEST; "" for DEST itself) of the snapshot to restore from: <paramref name="name"/>
    /// when given (a complete snapshot), else the one <c>latest</c> names, else the newest complete one; a plain copy
    /// (DEST/gocryptfs.conf, no snapshots) is DEST itself. Throws <see cref="NotInBackupException"/> naming what exists.
    /// </summary>
    public (string? Name, string RelativePath) Choose(string? name)
    {
        var complete = State.Complete;
        if (name is not null)
        {
            if (complete.Contains(name)) return (name, SnapshotName.SnapshotsDirectory + "/" + name);
            if (State.Incomplete.Contains(name))
                throw new NotInBackupException($"snapshot {name} on {Destination.Text} is incomplete (its backup was interrupted or is running); pick a complete one ({Describe(complete)})");
            throw new NotInBackupException($"no snapshot {name} on {Destination.Text}; it has {Describe(complete)}");
        }
        if (complete.Count == 0 && State.Incomplete.Count == 0 && State.LatestTarget is null && State.HasConfig)
            return (null, "");
        var chosen = State.LatestSnapshot ?? (complete.Count > 0 ? complete[^1] : null);
        if (chosen is null)
        {
            RequireSnapshots();
            throw new NotInBackupException($"{Destination.Text} holds no complete snapshot (only {Describe(State.Incomplete.Select(n => n + SnapshotName.IncompleteSuffix).ToList())})");
        }
        return (chosen, SnapshotName.SnapshotsDirectory + "/" + chosen);
    }

    private static string Describe(IReadOnlyList<string> names) => names.Count switch
    {
        0 => "no complete snapshots",
        <= 6 => string.Join(", ", names),
        _ => $"{names.Count} snapshots, {names[0]} to {names[^1]} ('reversecrypt snapshots' lists them)",
    };
}
