using System.Diagnostics;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// One backup, in three steps so that the caller can mount the view only for the transfer:
/// <see cref="Prepare"/> (check tools, read the destination, create or resume the incomplete snapshot),
/// <see cref="Transfer"/> (rsync from the mounted view), <see cref="Finish"/> (complete the snapshot, switch
/// latest, apply retention, and describe everything in a <see cref="BackupResult"/>).
/// </summary>
public sealed class BackupRun : IDisposable
{
    /// <summary>How long a run waits for an rsync of an earlier, killed run that still writes on the destination.</summary>
    public static TimeSpan LeftoverWait { get; set; } = TimeSpan.FromSeconds(60);

    private readonly BackupOptions _options;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DestinationAccess _access;
    private readonly SnapshotStore _store;
    private BackupPlan? _plan;
    private string? _viewPath;
    private PendingBegin? _pendingBegin;

    /// <summary>The begin step of a snapshot that <see cref="Transfer"/> takes while rsync connects, and the start
    /// it asks for (the destination may report another: a linked copy falls back to a whole one).</summary>
    private sealed record PendingBegin(SnapshotStart Asked, Func<CancellationToken, SnapshotStart> Begin);

    public BackupRun(BackupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _access = new DestinationAccess(options.Destination, options.RemoteShell);
        _store = _access.Store;
        if (!options.Retention.IsEmpty && !options.Snapshots)
            throw new BackupException(BackupErrorKind.Usage, "--keep-last/--keep-hourly/--keep-daily/--keep-weekly/--keep-monthly need --snapshots");
        if (options.BwLimit is not null && !RsyncArguments.IsValidBwLimit(options.BwLimit))
            throw new BackupException(BackupErrorKind.Usage, $"--bwlimit '{options.BwLimit}': expected a rate such as 500K, 5M or 1.5m (KiB/s without a unit)");
    }

    public BackupPlan? Plan => _plan;

    /// <summary>The steps of this run so far with their durations (lock, probe, pre, walk, begin, rsync, commit,
    /// retention, manifest; the caller adds its own, such as mount and unmount).</summary>
    public BackupPhases Phases { get; } = new();

    /// <summary>A change-driven hardlink run with more paths to remove from the copy of the previous snapshot is
    /// made full instead.</summary>
    public const int MaxCloneRemovals = 50_000;

    /// <summary>Walks the plaintext and compares it with the last complete run's manifest, so that rsync gets only
    /// the changed paths (see <see cref="ChangeDetector"/>); null: every run is full and no manifest is kept. Set
    /// before <see cref="Prepare"/> (it needs the key, opened after the destination is locked).</summary>
    public ChangeDetector? Changes { get; set; }

    /// <summary>The lock on the destination, once <see cref="Prepare"/> took it.</summary>
    public DestinationLease? Lease => _access.Lease;

    /// <summary>Releases the lock on the destination.</summary>
    public void Dispose()
    {
        _access.Unlock();
    }

    /// <summary>Checks that rsync (and ssh) exist, reads the destination and prepares it. Throws <see cref="BackupException"/>.</summary>
    public BackupPlan Prepare(CancellationToken cancellation = default) => Prepare(null, walkEarly: false, cancellation);

    /// <summary>As <see cref="Prepare(CancellationToken)"/>.</summary>
    /// <param name="afterLock">Runs once the destination is locked and read, before the plaintext is walked (the
    /// --pre hook and the source snapshot: what they change or freeze is what the walk sees).</param>
    /// <param name="walkEarly">Walk the plaintext while the destination is locked and read (see
    /// <see cref="ChangeDetector.StartWalk"/>): only when <paramref name="afterLock"/> changes nothing the walk sees
    /// (no --pre hook, no source snapshot). The phases then show "walk" (the walk itself, overlapping lock and probe)
    /// and "compare" (the wait for it and the comparison with the manifest).</param>
    public BackupPlan Prepare(Action? afterLock, bool walkEarly, CancellationToken cancellation = default)
    {
        _access.CheckLocalTools();
        if (walkEarly && Changes is { } early) early.StartWalk(duration => Phases.Add("walk", duration));
        var destination = _options.Destination;
        try
        {
            // First the lock on the destination itself (held until Dispose), then the state it protects.
            // The lease prints the probe once it holds the lock: no round trip of its own.
            var detectClones = _options.Snapshots && !_options.DryRun;
            var lease = Phases.Time("lock", () => _access.Lock(exclusive: true, create: !_options.DryRun, LeftoverWait, cancellation, probe: detectClones));
            var state = Phases.Time("probe", () => lease.ProbeOutput is { } probed
                ? _store.ParseProbe(probed)
                : _store.Probe(detectClones, cancellation));
            if (state.NotADirectory)
                throw new BackupException(BackupErrorKind.BadDestination, $"{destination}: exists and is not a directory");
            if (!state.HasRsync)
                throw new BackupException(BackupErrorKind.ToolMissing, $"rsync is not installed on {destination.Host} (the remote side needs rsync)");
            if (afterLock is not null) Phases.Time("pre", afterLock);
            cancellation.ThrowIfCancellationRequested();
            var changes = Changes is null ? null : Phases.Time(Changes.WalkStarted ? "compare" : "walk", () => DecideChanges(state, cancellation));
            _plan = _options.Snapshots ? PrepareSnapshot(state, changes, cancellation) : PrepareMirror(state, changes, cancellation);
            return _plan;
        }
        catch (OperationCanceledException e)
        {
            Changes?.CancelWalk();
            _access.Unlock();
            throw new BackupException(BackupErrorKind.Interrupted, "interrupted while preparing the destination", e);
        }
        catch
        {
            // Nothing more will happen on the destination: a failed preparation does not keep it locked.
            Changes?.CancelWalk();
            _access.Unlock();
            throw;
        }
    }

    /// <summary>Walks the plaintext and decides between a full and a change-driven run (see <see cref="ChangeDetector"/>).
    /// A run that will change the destination deletes the manifest first: only a complete run writes the next one,
    /// so the run after a failed or killed one is full.</summary>
    private ChangePlan? DecideChanges(DestinationState state, CancellationToken cancellation)
    {
        if (Changes is not { } detector) return null;
        var previous = _options.Snapshots ? state.Previous : state.HasConfig ? "" : null;
        var resuming = _options.Snapshots && state.Incomplete.Count > 0;
        var changes = detector.Decide(previous, resuming, cancellation);
        if (!_options.DryRun)
        {
            try
            {
                detector.Invalidate();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BackupException(BackupErrorKind.BadSource, $"cannot delete the manifest {detector.ManifestPath}: {e.Message}", e);
            }
        }
        return changes;
    }

    private BackupPlan PrepareSnapshot(DestinationState state, ChangePlan? changes, CancellationToken cancellation)
    {
        var destination = _options.Destination;
        if (state.HasConfig)
            throw new BackupException(BackupErrorKind.BadDestination,
                $"{destination} holds a backup without snapshots (gocryptfs.conf at its top); use another directory for --snapshots");
        if (state.LatestNotALink)
            throw new BackupException(BackupErrorKind.BadDestination,
                $"{destination.Join(SnapshotName.LatestLink)} exists and is not a symlink; move it away");
        var name = SnapshotName.Next(_options.Now ?? DateTime.UtcNow, [.. state.Complete, .. state.Incomplete]);
        // A snapshot started as a hard-link copy is never resumed (DestinationState.LinkedIncomplete): it is left as
        // stale, removed when this run commits, and this run starts anew from the previous snapshot.
        var resume = state.Incomplete.Count > 0 && !state.LinkedIncomplete.Contains(state.Incomplete[^1]) ? state.Incomplete[^1] : null;
        var previous = state.Previous;
        var mode = _options.DryRun ? SnapshotMode.Hardlink : state.Resolve(_options.SnapshotMode, destination.Text);
        // In place only into a clone: a snapshot resumed without its clone marker may hold hard links shared with
        // older snapshots (an older version's, or a hardlink run's), which an in-place write would change too.
        var inPlace = mode.IsClone() && previous is not null && (resume is null || state.ClonedIncomplete.Contains(resume));
        string target;
        SnapshotStart? start = null;
        if (_options.DryRun)
        {
            // Compare against the previous snapshot itself: what rsync lists is what the new one would get anew.
            target = destination.RsyncPath(SnapshotName.SnapshotsDirectory + "/" + (resume is not null ? resume + SnapshotName.IncompleteSuffix : previous ?? name));
        }
        else
        {
            // A change-driven run into a hardlink or reflink snapshot starts from a hard-link copy of the previous one:
            // every listed path is removed from it first (rsync then recreates it, in hardlink mode linked to the
            // previous snapshot when unchanged), except that in reflink mode a regular file whose content may change is
            // replaced by a reflink copy of itself, which rsync updates in place. No inode an older snapshot holds is
            // ever modified, not even by a chmod. Removing very many paths (one remote script per ~64 KiB of names)
            // costs more than a full run.
            var linkable = changes is { Incremental: true } && mode is SnapshotMode.Hardlink or SnapshotMode.Reflink;
            if (linkable && changes!.CloneRemovals.Count + changes.CloneReflinks.Count > MaxCloneRemovals)
                changes = ChangePlan.Full($"{changes.Reason}; more than {MaxCloneRemovals} paths to take out of a hard-link copy");
            var linkClone = changes is { Incremental: true } && linkable && previous is not null && resume is null;
            var removals = linkClone ? changes!.CloneRemovals : null;
            var reflinks = linkClone ? changes!.CloneReflinks : null;
            SnapshotStart Begin(CancellationToken token) => Phases.Time("begin", () => _store.Begin(name, resume, mode, previous, removals, reflinks, token));
            // A change-driven run with something to send begins the snapshot while its rsync connects (Transfer): on
            // XFS the hard-link copy of the previous snapshot and rsync's ssh session then take their time together.
            if (changes is { Incremental: true, NothingChanged: false })
                _pendingBegin = new PendingBegin(SnapshotStore.Asked(resume, mode, previous, removals is not null), Begin);
            else
                start = Begin(cancellation);
            target = destination.RsyncPath(SnapshotName.SnapshotsDirectory + "/" + name + SnapshotName.IncompleteSuffix);
        }
        return new BackupPlan
        {
            State = state,
            RsyncTarget = target,
            Snapshot = name,
            Previous = previous,
            ResumedFrom = resume,
            StaleIncomplete = [.. state.Incomplete.Where(n => n != resume)],
            Mode = mode,
            Start = start,
            InPlace = inPlace,
            Changes = changes,
        };
    }

    private BackupPlan PrepareMirror(DestinationState state, ChangePlan? changes, CancellationToken cancellation)
    {
        var destination = _options.Destination;
        if (state.HasSnapshots)
            throw new BackupException(BackupErrorKind.BadDestination,
                $"{destination} holds snapshots ({SnapshotName.SnapshotsDirectory}/, {SnapshotName.LatestLink}); add --snapshots, or choose another directory");
        if (state.NonEmpty && !state.HasConfig && !state.LooksLikeBackup)
            throw new BackupException(BackupErrorKind.BadDestination,
                $"{destination} is not empty and holds no backup (no gocryptfs.conf); refusing to let rsync --delete its contents");
        if (!_options.DryRun) Phases.Time("begin", () => _store.EnsureDestination(cancellation));
        return new BackupPlan { State = state, RsyncTarget = destination.RsyncPath(), Changes = changes };
    }

    /// <summary>Runs rsync from the mounted view at <paramref name="viewPath"/> into the prepared target, on
    /// <paramref name="cpu"/> only when given (see <see cref="RsyncProcess.Run"/>).</summary>
    public RsyncRun Transfer(string viewPath, int? cpu = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(viewPath);
        var plan = _plan ?? throw new InvalidOperationException("Prepare first.");
        _viewPath = viewPath;
        // A linked reflink snapshot also links against the previous one: a removed path (a hard-link group's, a type
        // change's) then comes back as a link, or a copy, exactly as a full run's quick check would leave it.
        var pending = _pendingBegin;
        _pendingBegin = null;
        string? LinkDest(SnapshotStart? start) =>
            _options.Snapshots && !_options.DryRun && (!plan.InPlace || start == SnapshotStart.Linked) ? plan.Previous : null;
        var linkDest = LinkDest(pending?.Asked ?? plan.Start);
        var remoteShell = _options.Destination.IsRemote ? _access.RsyncShell : null;
        var subvolume = plan.Mode == SnapshotMode.Btrfs;
        if (plan.Changes is not { Incremental: true } changes)
        {
            var arguments = RsyncArguments.ForBackup(viewPath, plan.RsyncTarget, remoteShell, linkDest, _options.BwLimit, _options.DryRun, _access.Lease,
                plan.InPlace, tempBesideTarget: subvolume);
            return Phases.Time("rsync", () => RsyncProcess.Run(arguments, _options.Progress, _options.RsyncMessage, cpu, cancellation));
        }
        var list = Path.Combine(ViewRuntimeDirectory.SharedBase(), $"files-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.list");
        var includes = Path.ChangeExtension(list, ".include");
        // In place, new files that may have holes follow in a second rsync with --sparse (ChangePlan.SparseNew).
        var sparseSecond = plan.InPlace && changes.SparseNew.Count > 0;
        try
        {
            changes.WriteList(list, includes, withSparseNew: !sparseSecond);
            IReadOnlyList<string> Arguments(string listFile, string? linkTo) => RsyncArguments.ForChanges(viewPath, plan.RsyncTarget, listFile, includes, remoteShell,
                linkTo, _options.BwLimit, _options.DryRun, _access.Lease, plan.InPlace, tempBesideTarget: subvolume);
            RsyncRun run;
            if (pending is null)
            {
                run = Phases.Time("rsync", () => RsyncProcess.Run(Arguments(list, linkDest), _options.Progress, _options.RsyncMessage, cpu, cancellation));
            }
            else
            {
                var started = BeginWhileConnecting(pending, Arguments("-", linkDest), list, start => LinkDest(start) == linkDest, cpu, cancellation);
                run = started ?? Phases.Time("rsync", () => RsyncProcess.Run(Arguments(list, LinkDest(_plan!.Start)), _options.Progress,
                    _options.RsyncMessage, cpu, cancellation));
            }
            if (!sparseSecond || run.Cancelled || run.ExitCode is not (0 or RsyncExitCode.PartialError or RsyncExitCode.PartialVanished))
                return run;
            changes.WriteSparseList(list, includes);
            var sparse = RsyncArguments.ForChanges(viewPath, plan.RsyncTarget, list, includes, remoteShell, linkDest: null, _options.BwLimit, _options.DryRun,
                _access.Lease, inPlace: false, tempBesideTarget: subvolume);
            return run.Then(Phases.Time("rsync-sparse", () => RsyncProcess.Run(sparse, _options.Progress, _options.RsyncMessage, cpu, cancellation)));
        }
        finally
        {
            File.Delete(list);
            File.Delete(includes);
        }
    }

    /// <summary>
    /// Starts rsync with <paramref name="arguments"/> (<c>--files-from=-</c>), takes the pending begin step while it
    /// connects, then gives it the list in <paramref name="list"/>. rsync's remote side looks at the destination only
    /// once the list arrives, so it never sees the snapshot before begin made it. When begin fails (or is interrupted)
    /// rsync is stopped before it got a list, and the failure is thrown as Prepare would throw it. Returns null when the
    /// destination started the snapshot otherwise than asked and <paramref name="fits"/> says that these arguments do not
    /// fit how it started (a linked copy that fell back to a whole one needs no --link-dest): rsync is then stopped
    /// unused and the caller starts another.
    /// </summary>
    private RsyncRun? BeginWhileConnecting(PendingBegin pending, IReadOnlyList<string> arguments, string list, Func<SnapshotStart, bool> fits,
        int? cpu, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var rsync = RsyncProcess.Start(arguments, _options.Progress, _options.RsyncMessage, cpu, input: true);
        SnapshotStart start;
        try
        {
            start = pending.Begin(cancellation);
        }
        catch (OperationCanceledException e)
        {
            rsync.Abandon();
            throw new BackupException(BackupErrorKind.Interrupted, "interrupted while preparing the destination", e);
        }
        catch
        {
            rsync.Abandon();
            throw;
        }
        _plan = _plan! with { Start = start };
        if (!fits(start))
        {
            rsync.Abandon();
            return null;
        }
        rsync.Send(File.ReadAllBytes(list));
        var run = rsync.Wait(cancellation);
        Phases.Add("rsync", clock.Elapsed);
        return run;
    }

    /// <summary>The finished "transfer" of a change-driven run that found nothing to send (the view is not even mounted).</summary>
    public static RsyncRun NothingToSend { get; } = new(0, RsyncStats.Empty with { Files = 0, FilesTransferred = 0, BytesSent = 0 }, [], "", false, TimeSpan.Zero);

    /// <summary>Records the walk as the manifest after a run that completed with exit 0; a failure to write it is a
    /// warning (the next run is full).</summary>
    private void RecordManifest(BackupPlan plan, List<string> warnings)
    {
        if (_options.DryRun || Changes is not { } detector || plan.Changes is not { } changes) return;
        try
        {
            detector.Record(plan.Snapshot ?? "", changes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warnings.Add($"cannot write the manifest {detector.ManifestPath} ({e.Message}); the next run is full");
        }
    }

    /// <summary>
    /// Completes the snapshot after a successful or partial transfer (a partial one is still the best copy there is,
    /// as restic keeps a snapshot with unreadable files; the exit code says it), switches latest, and applies
    /// retention after a fully successful one. Never throws: every failure is in <see cref="BackupResult.Error"/>.
    /// </summary>
    public BackupResult Finish(RsyncRun run) => Finish(run, [], 0);

    /// <summary>As <see cref="Finish(RsyncRun)"/>, with the files the view saw change while it served them
    /// (<paramref name="changed"/>, plaintext paths for display; <paramref name="changedCount"/> counts them all).</summary>
    public BackupResult Finish(RsyncRun run, IReadOnlyList<string> changed, long changedCount)
    {
        ArgumentNullException.ThrowIfNull(changed);
        ArgumentNullException.ThrowIfNull(run);
        var plan = _plan ?? throw new InvalidOperationException("Prepare first.");
        var remote = _options.Destination.IsRemote;
        var (kind, cause) = ClassifyTransfer(run, remote);
        BackupException? commitError = null;
        var warnings = new List<string>();
        var completed = false;
        var snapshots = plan.State.Complete.ToList();
        IReadOnlyList<string> pruned = [];
        if (_options.Snapshots && kind is null or BackupErrorKind.PartialTransfer)
        {
            if (!_options.DryRun)
            {
                try
                {
                    Phases.Time("commit", () =>
                    {
                        if (kind == BackupErrorKind.PartialTransfer && _viewPath is not null)
                        {
                            var unread = RsyncDiagnostics.UnreadSourceFiles(run.Stderr, _viewPath);
                            _store.KeepEarlierVersions(plan.Snapshot!, plan.Previous, plan.Mode ?? SnapshotMode.Hardlink, unread);
                            if (unread.Count > 0)
                                warnings.Add($"{unread.Count} file{(unread.Count == 1 ? "" : "s")} could not be read whole; the snapshot keeps the previous snapshot's version (or leaves it out)");
                        }
                        _store.Commit(plan.Snapshot!, plan.StaleIncomplete);
                    });
                    completed = true;
                }
                catch (BackupException e)
                {
                    commitError = e;
                }
            }
            if ((completed || _options.DryRun) && kind is null && !_options.Retention.IsEmpty)
            {
                // The new snapshot is latest now (retention runs only after the switch), so it is the one to protect.
                var retention = _options.Retention.Apply([.. snapshots, plan.Snapshot!], [plan.Snapshot!]);
                pruned = retention.Remove;
                if (!_options.DryRun)
                {
                    try
                    {
                        Phases.Time("retention", () => _store.Delete(retention.Remove));
                    }
                    catch (BackupException e)
                    {
                        warnings.Add(e.Message);
                        pruned = [];
                    }
                }
            }
            if (completed) snapshots.Add(plan.Snapshot!);
            snapshots = [.. snapshots.Except(pruned).Order(StringComparer.Ordinal)];
        }
        if (kind is null && commitError is null && (completed || !_options.Snapshots)) Phases.Time("manifest", () => RecordManifest(plan, warnings));
        if (_access.Lease?.Warning is { } lockWarning) warnings.Insert(0, lockWarning);
        var error = kind is null ? commitError : RsyncError(kind.Value, run, plan, cause, completed);
        if (commitError is not null && error != commitError)
        {
            warnings.Add(error!.Message);
            error = commitError;
        }
        return new BackupResult
        {
            Destination = _options.Destination.Text,
            Snapshot = plan.Snapshot,
            Previous = plan.Previous,
            ResumedFrom = plan.ResumedFrom,
            Completed = completed,
            DryRun = _options.DryRun,
            Stats = run.Stats,
            ProgressBytes = run.ProgressBytes,
            Duration = _clock.Elapsed,
            RsyncExitCode = run.ExitCode,
            RsyncCpu = run.Cpu,
            SnapshotMode = plan.Mode,
            SnapshotStart = plan.Start,
            ChangedDuringRun = changed,
            ChangedDuringRunCount = Math.Max(changedCount, changed.Count),
            Pruned = pruned,
            Snapshots = _options.Snapshots ? snapshots : [],
            Warnings = warnings,
            Run = plan.Changes,
            Phases = Phases.All,
            Error = error,
        };
    }

    /// <summary>The result for a run that failed before rsync finished (preparation, mounting).</summary>
    public BackupResult Failed(BackupException error) => new()
    {
        Destination = _options.Destination.Text,
        Snapshot = _plan?.Snapshot,
        Previous = _plan?.Previous,
        ResumedFrom = _plan?.ResumedFrom,
        DryRun = _options.DryRun,
        Duration = _clock.Elapsed,
        Snapshots = _plan?.State.Complete ?? [],
        Run = _plan?.Changes,
        Phases = Phases.All,
        Error = error,
    };

    /// <summary>
    /// What a finished transfer means. The cause is read from every error line, not the last one: a destination that
    /// fills up ends with the sender's "Broken pipe". Any error of rsync's receiving side fails the run (the
    /// destination did not store what was sent), whatever rsync's exit code; only errors of the sending side (files
    /// unreadable or vanished in the source) make a partial transfer whose snapshot is still committed.
    /// </summary>
    public static (BackupErrorKind? Kind, RsyncErrorLine? Cause) ClassifyTransfer(RsyncRun run, bool remote)
    {
        var byCode = RsyncExitCode.Classify(run.ExitCode, run.Cancelled, remote);
        if (byCode is null or BackupErrorKind.Interrupted) return (byCode, null);
        var lines = RsyncDiagnostics.Parse(run.Stderr);
        if ((RsyncDiagnostics.DestinationFailure(lines) ?? RsyncDiagnostics.ReceiverError(lines)) is { } receiver)
            return (BackupErrorKind.DestinationFailed, receiver);
        return (byCode, null);
    }

    private BackupException RsyncError(BackupErrorKind kind, RsyncRun run, BackupPlan plan, RsyncErrorLine? cause, bool completed)
    {
        var leftFor = plan.Snapshot is not null && !_options.DryRun
            ? $"; {SnapshotName.SnapshotsDirectory}/{plan.Snapshot}{SnapshotName.IncompleteSuffix} is kept and the next run resumes it; latest is unchanged"
            : "";
        var detail = run.LastErrorLine;
        var message = kind switch
        {
            BackupErrorKind.Interrupted => $"interrupted{leftFor}",
            BackupErrorKind.DestinationFailed =>
                $"{(cause?.Errno is int errno && RsyncDiagnostics.IsDestinationErrno(errno) ? RsyncDiagnostics.DescribeDestinationErrno(errno) : "the destination could not store everything")}: {cause?.Text}{leftFor}",
            BackupErrorKind.PartialTransfer =>
                $"partial transfer (rsync exit code {run.ExitCode}: {RsyncExitCode.Describe(run.ExitCode)}){(detail.Length > 0 ? ": " + detail : "")}; "
                + (completed ? "the snapshot is completed with what could be read" : "some source files were not copied"),
            BackupErrorKind.RemoteUnreachable =>
                $"lost the connection to {_options.Destination.Host} (rsync exit code {run.ExitCode}){(detail.Length > 0 ? ": " + detail : "")}{leftFor}",
            BackupErrorKind.ToolMissing =>
                $"rsync could not be started on {_options.Destination.Host} (exit code {run.ExitCode}){(detail.Length > 0 ? ": " + detail : "")}",
            _ => $"rsync failed with exit code {run.ExitCode} ({RsyncExitCode.Describe(run.ExitCode)}){(detail.Length > 0 ? ": " + detail : "")}{leftFor}",
        };
        return new BackupException(kind, message) { RsyncExitCode = run.ExitCode };
    }
}
