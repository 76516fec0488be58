using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;
using ReverseCrypt.Operations.Backup;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Cli.Commands;

/// <summary>
/// `reversecrypt backup`: mounts a private reverse view of PLAINDIR in a runtime directory of its own, rsyncs it to
/// DEST (a local directory or [user@]host:path over ssh), optionally as dated snapshots with hard links to the
/// previous one and a retention policy, and unmounts in every case (success, rsync error, SIGINT, SIGTERM).
/// </summary>
public static class BackupCommand
{
    public static Command Create()
    {
        var job = new BackupJobOptions(
            destination: "the destination",
            sourceLatest: "Back up the newest subdirectory of DIR (by name, numbers compared as numbers), e.g. the newest local daily snapshot; use with --config.",
            config: "The config file (default: PLAINDIR/.gocryptfs.reverse.conf). It is shown in the view as gocryptfs.conf, so every backup is self-describing.",
            ssh: "The remote shell for rsync and for the snapshot steps (default: $RSYNC_RSH or ssh), e.g. \"ssh -i /etc/reversecrypt/id_backup -p 2222\".",
            debug: "Verbose logging, including every FUSE request of the view.");
        var snapshots = new Option<bool>("--snapshots") { Description = "Keep dated snapshots DEST/snapshots/<UTC time>/ (unchanged files hard-linked to the previous one) and a DEST/latest symlink, switched only when a snapshot is complete." };
        var snapshotMode = new Option<string>("--snapshot-mode") { Description = "How a new snapshot starts from the previous one: btrfs (a subvolume snapshot), reflink (a reflink copy: XFS, btrfs), hardlink (rsync --link-dest), or auto (default: the best the destination's filesystem supports). With btrfs and reflink a changed block costs about a block of disk.", HelpName = "auto|btrfs|reflink|hardlink", DefaultValueFactory = _ => "auto" };
        var keepLast = new Option<int>("--keep-last") { Description = "After a complete run, keep the N newest snapshots (with --snapshots).", HelpName = "N" };
        var keepHourly = new Option<int>("--keep-hourly") { Description = "... and the newest snapshot of each of the N newest hours (UTC).", HelpName = "N" };
        var keepDaily = new Option<int>("--keep-daily") { Description = "... and of each of the N newest days.", HelpName = "N" };
        var keepWeekly = new Option<int>("--keep-weekly") { Description = "... and of each of the N newest ISO weeks.", HelpName = "N" };
        var keepMonthly = new Option<int>("--keep-monthly") { Description = "... and of each of the N newest months. Without any --keep-* nothing is deleted.", HelpName = "N" };
        var bwlimit = new Option<string?>("--bwlimit") { Description = "Limit the bandwidth, as rsync --bwlimit (e.g. 5M; KiB/s without a unit).", HelpName = "RATE" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Show what would be transferred and pruned, and list every path that would be sent (send), get new attributes (attrs) or be deleted (delete), by plaintext path; change nothing." };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object (files_transferred, bytes_sent, duration_s, snapshot, ...)." };
        var pre = new Option<string?>("--pre") { Description = "Run CMD with /bin/sh -c before the transfer: once the destination is locked and read, before --source-snapshot, the walk of the source and the view (e.g. a database dump into the source). If it fails or times out, nothing is sent and the exit code is 48. Not run with --dry-run.", HelpName = "CMD" };
        var post = new Option<string?>("--post") { Description = "Run CMD with /bin/sh -c after the run, whatever its outcome (success, failure, SIGINT/SIGTERM), with REVERSECRYPT_EXIT, REVERSECRYPT_RESULT (ok, partial, failed, interrupted), REVERSECRYPT_SNAPSHOT, REVERSECRYPT_PRE, REVERSECRYPT_ERROR, REVERSECRYPT_SOURCE and REVERSECRYPT_DEST in its environment. Its failure is reported; it turns exit code 0 into 48 and leaves any other. Not run with --dry-run.", HelpName = "CMD" };
        var hookTimeout = new Option<int>("--hook-timeout") { Description = "Stop a --pre or --post hook (its whole process group: SIGTERM, SIGKILL 10 s later) that runs longer than this; it then counts as failed. 0: no limit.", HelpName = "SECONDS", DefaultValueFactory = _ => (int)Hooks.DefaultTimeout.TotalSeconds };
        var sourceSnapshot = new Option<string?>("--source-snapshot") { Description = "Back up a read-only snapshot of PLAINDIR taken after --pre, instead of the live tree, and remove it in every case (a snapshot left by a killed run is removed by the next one). btrfs: PLAINDIR must be a subvolume; the snapshot is PLAINDIR/.reversecrypt-snap-TAG. lvm: lvcreate -s of the logical volume holding PLAINDIR, mounted read-only under the runtime directory. The backup is the same as one of PLAINDIR itself.", HelpName = "btrfs|lvm" };
        var sourceSnapshotSize = new Option<string?>("--source-snapshot-size") { Description = $"lvm: the snapshot volume's size, as lvcreate -L (e.g. 2G) or, with a %, -l (default {SourceSnapshot.DefaultLvmSize}). Writes to the origin during the run must fit in it.", HelpName = "SIZE" };
        var now = new Option<string?>("--now") { Description = "For tests: the UTC time the snapshot is named after.", Hidden = true };
        var command = new Command("backup",
            "Back up the encrypted view of a plaintext directory with rsync to a local directory or over ssh; the remote side never needs the key.\n\n" +
            "Exit codes: 0 success; 40 rsync/ssh missing; 41 remote unreachable or login refused; 42 partial transfer (some source files vanished or were unreadable: the snapshot is completed, retention skipped); 43 rsync failed; 44 another backup to DEST is running (nothing was done); 45 the destination failed (full, quota, read-only, I/O error: the snapshot stays incomplete, latest unchanged); 48 the --pre hook failed (nothing sent), or the --post hook after a success; 49 --source-snapshot failed; 130 interrupted (the incomplete snapshot is resumed by the next run); and those of 'reversecrypt --help'.")
        {
            job.Instance, job.Config, job.SourceLatestDir, job.Ssh, snapshots, snapshotMode, keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, bwlimit, job.NoSparse, dryRun, json, pre, post, hookTimeout, sourceSnapshot, sourceSnapshotSize, job.Debug, now, job.Paths,
        };
        job.Password.AddTo(command);
        job.Excludes.AddTo(command);
        var changeDetection = new ChangeDetection();
        changeDetection.AddTo(command);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var (plainDir, destination) = job.BindPaths(r);
            var retention = new RetentionPolicy(r.GetValue(keepDaily), r.GetValue(keepWeekly), r.GetValue(keepMonthly),
                r.GetValue(keepLast), r.GetValue(keepHourly));
            if (retention.HasNegative)
                throw new CliException(ExitCodes.Usage, "--keep-*: N cannot be negative");
            DateTime? fixedNow = null;
            if (r.GetValue(now) is { } nowText)
            {
                if (!DateTime.TryParse(nowText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
                    && !SnapshotName.TryParse(nowText, out parsed))
                    throw new CliException(ExitCodes.Usage, $"--now {nowText}: not a time");
                fixedNow = parsed;
            }
            if (!SnapshotModes.TryParse(r.GetValue(snapshotMode), out var mode))
                throw new CliException(ExitCodes.Usage, $"--snapshot-mode {r.GetValue(snapshotMode)}: expected auto, btrfs, reflink or hardlink");
            changeDetection.Validate(r);
            SourceSnapshotKind? snapshotKind = null;
            if (r.GetValue(sourceSnapshot) is { } kindText)
            {
                snapshotKind = SourceSnapshot.TryParse(kindText, out var kind) ? kind
                    : throw new CliException(ExitCodes.Usage, $"--source-snapshot {kindText}: expected btrfs or lvm");
            }
            if (r.GetValue(sourceSnapshotSize) is not null && snapshotKind != SourceSnapshotKind.Lvm)
                throw new CliException(ExitCodes.Usage, "--source-snapshot-size goes with --source-snapshot lvm");
            if (r.GetValue(hookTimeout) < 0)
                throw new CliException(ExitCodes.Usage, "--hook-timeout: SECONDS cannot be negative");
            var hooks = new HookSettings(r.GetValue(pre), r.GetValue(post),
                r.GetValue(hookTimeout) == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(r.GetValue(hookTimeout)),
                plainDir, destination.Text, snapshotKind, r.GetValue(sourceSnapshotSize));
            if (r.GetValue(dryRun) && (hooks.Pre is not null || hooks.Post is not null))
                Console.Error.WriteLine("reversecrypt: --dry-run: the --pre and --post hooks are not run");
            var outcome = new HookOutcome();
            var code = CommandRunner.Run(() => Capturing(outcome, () =>
            {
                var jsonOutput = r.GetValue(json);
                var showProgress = !Console.IsErrorRedirected;
                var progress = showProgress ? new ProgressLine() : null;
                var options = new BackupOptions
                {
                    Destination = destination,
                    RemoteShell = job.RemoteShell(r),
                    Snapshots = r.GetValue(snapshots),
                    SnapshotMode = mode,
                    Retention = retention,
                    BwLimit = r.GetValue(bwlimit),
                    DryRun = r.GetValue(dryRun),
                    Now = fixedNow,
                    Progress = progress is null ? null : progress.Update,
                    RsyncMessage = line => { progress?.Clear(); Console.Error.WriteLine(line); },
                };
                using var run = Map(() => new BackupRun(options));
                // Before the password and the mount: a second run to the same DEST stops here at once.
                using var destinationLock = Map(() => DestinationLock.AcquireForWriting(destination));
                var keyStart = Stopwatch.GetTimestamp();
                var settings = job.OpenView(r, plainDir,
                    configPath => $"no config {configPath}; create one with 'reversecrypt init --reverse {plainDir}' (or give --config)",
                    configPath => $"{configPath} is not an AES-SIV config; reverse mode needs one (create it with 'reversecrypt init --reverse')");
                using var key = settings.Key;
                var keyTime = Stopwatch.GetElapsedTime(keyStart);
                using var loggers = job.CreateLoggers(r);
                var phaseLogger = loggers.CreateLogger("backup");
                run.Phases.Ended = phase => phaseLogger.LogDebug("phase {Phase}: {Seconds} s", phase.Name,
                    phase.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture));
                // Reading the config, the password and deriving the key (scrypt) are the run's first step.
                run.Phases.Add("key", keyTime);
                using var core = settings.Key.CreateCore();
                run.Changes = changeDetection.Create(r, settings, core, destination, options.Snapshots, job);

                using var interrupt = new Interruption();
                var (result, failure) = Execute(run, settings, loggers, progress, options.DryRun, hooks, outcome, interrupt.Token);
                progress?.Clear();
                var exitCode = failure?.ExitCode ?? (result.Error is null ? ExitCodes.Ok : ExitCodeOf(result.Error.Kind));
                outcome.Snapshot = result.Completed ? result.Snapshot : null;
                outcome.Error = failure?.Message ?? result.Error?.Message;
                // The failure is printed once, on stderr (below); the text summary leaves it out. JSON keeps its "error".
                Console.Out.Write(jsonOutput
                    ? BackupSummary.ToJson(result, plainDir, exitCode) + "\n"
                    : BackupSummary.ToText(result, plainDir));
                Console.Out.Flush();
                if (failure is not null && result.Error is not null && result.Error.Message != failure.Message)
                    Console.Error.WriteLine($"reversecrypt: {result.Error.Message}");
                if (failure is not null) return CommandRunner.Fail(failure.ExitCode, failure.Message);
                if (result.Error is not null) return CommandRunner.Fail(exitCode, result.Error.Message);
                return ExitCodes.Ok;
            }));
            return r.GetValue(dryRun) ? code : RunPost(hooks, outcome, code);
        }));
        return command;
    }

    /// <summary>The hooks and the source snapshot of one run, and what their environment says.</summary>
    private sealed record HookSettings(string? Pre, string? Post, TimeSpan Timeout, string Source, string Destination,
        SourceSnapshotKind? SnapshotKind, string? SnapshotSize);

    /// <summary>What the --post hook is told: filled in as the run goes.</summary>
    private sealed class HookOutcome
    {
        public string Pre { get; set; } = "not-run";

        public string? Snapshot { get; set; }

        public string? Error { get; set; }
    }

    /// <summary>Runs BODY, noting the message of a failure that ends it (the CLI prints it) for the --post hook.</summary>
    private static int Capturing(HookOutcome outcome, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is CliException or ReverseCrypt.Format.Config.ConfigException or ReverseCrypt.Format.Config.WrongPasswordException)
        {
            outcome.Error = e.Message;
            throw;
        }
    }

    private static Dictionary<string, string> HookEnvironment(HookSettings hooks, string name) => new()
    {
        ["REVERSECRYPT_HOOK"] = name,
        ["REVERSECRYPT_SOURCE"] = hooks.Source,
        ["REVERSECRYPT_DEST"] = hooks.Destination,
    };

    /// <summary>
    /// The --post hook, after every run whose command line was valid: its environment describes the outcome. A failing
    /// hook is reported; it turns exit code 0 into <see cref="ExitCodes.HookFailed"/> and leaves any other code.
    /// </summary>
    private static int RunPost(HookSettings hooks, HookOutcome outcome, int exitCode)
    {
        if (hooks.Post is null) return exitCode;
        var environment = HookEnvironment(hooks, "post");
        environment["REVERSECRYPT_EXIT"] = exitCode.ToString(CultureInfo.InvariantCulture);
        environment["REVERSECRYPT_RESULT"] = exitCode switch
        {
            ExitCodes.Ok => "ok",
            ExitCodes.PartialTransfer => "partial",
            ExitCodes.Interrupted => "interrupted",
            _ => "failed",
        };
        environment["REVERSECRYPT_SNAPSHOT"] = outcome.Snapshot ?? "";
        environment["REVERSECRYPT_PRE"] = outcome.Pre;
        environment["REVERSECRYPT_ERROR"] = outcome.Error ?? "";
        var hook = Hooks.Run("--post", hooks.Post, environment, hooks.Timeout);
        if (hook.Succeeded) return exitCode;
        if (exitCode != ExitCodes.Ok)
        {
            Console.Error.WriteLine($"reversecrypt: {hook.Message} (the exit code stays {exitCode}, the run's own)");
            return exitCode;
        }
        return CommandRunner.Fail(ExitCodes.HookFailed,
            $"{hook.Message}; the backup itself succeeded{(outcome.Snapshot is { } s ? $" (snapshot {s} is complete)" : "")}");
    }

    /// <summary>The --pre hook: throws HookFailed when it fails, Interrupted when a signal stopped it.</summary>
    private static void RunPre(HookSettings hooks, HookOutcome outcome, BackupRun run, CancellationToken cancellation)
    {
        if (hooks.Pre is null) return;
        var environment = HookEnvironment(hooks, "pre");
        environment["REVERSECRYPT_SNAPSHOT"] = run.Plan?.Snapshot ?? "";
        var hook = Hooks.Run("--pre", hooks.Pre, environment, hooks.Timeout, cancellation);
        outcome.Pre = hook.Succeeded ? "ok" : "failed";
        if (cancellation.IsCancellationRequested) throw Interrupted();
        if (!hook.Succeeded)
            throw new BackupException(BackupErrorKind.HookFailed,
                $"{hook.Message}; nothing was sent{(run.Plan?.Snapshot is not null ? " (the incomplete snapshot is resumed by the next run)" : "")}");
    }

    /// <summary>
    /// When the view is served through FUSE over io_uring, rsync runs on one CPU: its requests then always reach the
    /// worker pinned to that CPU and its replies wake it there. Unpinned, the scheduler moves rsync to the idle CPU on
    /// every reply (the worker is still running when it wakes rsync), a cross-CPU wake-up per request: measured on
    /// an unchanged 100,000-file tree, 5.3 s unpinned against 3.1 s pinned (docs/benchmarks.md). Not done on /dev/fuse,
    /// where pinning only rsync was slower, nor with a single usable CPU.
    /// </summary>
    private static int? RsyncCpu(ReverseView view, ILoggerFactory loggers)
    {
        if (!view.Fuse.Connection.IoUringEnabled)
        {
            return null;
        }
        int? cpu = CpuAffinity.LastUsableCpu();
        if (cpu is int chosen)
        {
            loggers.CreateLogger("backup").LogInformation("rsync runs on CPU {Cpu} (the view serves through io_uring)", chosen);
        }
        return cpu;
    }

    /// <summary>Prepare, mount, transfer, unmount, finish. Every failure ends in the result (or a CLI error for the
    /// mount); the view is unmounted and its directory removed in every case.</summary>
    private static (BackupResult Result, CliException? Failure) Execute(BackupRun run, ReverseViewSettings settings,
        ILoggerFactory loggers, ProgressLine? progress, bool dryRun, HookSettings hooks, HookOutcome outcome,
        CancellationToken cancellation)
    {
        SourceSnapshot? sourceSnapshot = null;
        try
        {
            RemoveStaleViews(loggers.CreateLogger("backup"));
            // The --pre hook and the source snapshot run with the destination locked, before the plaintext is walked
            // for a change-driven run: a dump the hook writes, and the frozen tree, are what the walk compares.
            // Without them the walk runs while the destination is locked and read (mostly waiting on ssh).
            var plan = run.Prepare(() =>
            {
                if (!dryRun) RunPre(hooks, outcome, run, cancellation);
                if (hooks.SnapshotKind is not { } snapshotKind) return;
                sourceSnapshot = SourceSnapshot.Create(snapshotKind, settings.PlainDir, hooks.Destination, hooks.SnapshotSize,
                    warning => Console.Error.WriteLine($"reversecrypt: warning: {warning}"), cancellation);
                // The same key and excludes; only the tree is the snapshot's (the same relative layout). The config in
                // PLAINDIR is the snapshot's copy, so that the view shows it as gocryptfs.conf (not as a file of the
                // tree) exactly as a view of PLAINDIR itself does.
                var inTreeConfig = settings.ConfigPath is { } config && Path.GetFullPath(config)
                    == Path.Combine(Path.GetFullPath(settings.PlainDir), ConfigLocator.ReverseName);
                settings = settings with
                {
                    PlainDir = sourceSnapshot.ViewRoot,
                    ConfigPath = inTreeConfig ? Path.Combine(sourceSnapshot.ViewRoot, ConfigLocator.ReverseName) : settings.ConfigPath,
                };
                if (run.Changes is { } detector) detector.WalkRoot = sourceSnapshot.ViewRoot;
            }, walkEarly: (dryRun || hooks.Pre is null) && hooks.SnapshotKind is null, cancellation);
            if (cancellation.IsCancellationRequested) throw Interrupted();
            if (plan.Changes is { NothingChanged: true })
            {
                // Nothing changed since the last complete run: the new snapshot (a clone) is complete as it is, and
                // the view need not even be mounted.
                var nothing = run.Finish(BackupRun.NothingToSend, [], 0);
                return (dryRun ? nothing with { Changes = [] } : nothing, null);
            }
            var mountDir = Map(() => ViewRuntimeDirectory.Create("backup"));
            try
            {
                RsyncRun transfer;
                List<string> changed;
                long changedCount;
                List<DryRunChange>? changes = null;
                var view = run.Phases.Time("mount", () => ReverseView.Mount(settings, mountDir, loggers));
                try
                {
                    if (cancellation.IsCancellationRequested) throw Interrupted();
                    progress?.Start();
                    transfer = run.Transfer(view.Mountpoint, RsyncCpu(view, loggers), cancellation);
                    progress?.Clear();
                    // What changed while the view served it (each stored as one consistent state), read before unmounting.
                    changed = [.. view.ChangedWhileServed.Select(path => BytePath.Display(path)).Order(StringComparer.Ordinal)];
                    changedCount = view.ChangedWhileServedCount;
                    if (dryRun)
                    {
                        // Decoded while the view is mounted: a long name's .name file is read from it.
                        using var core = settings.Key.CreateCore();
                        var decoder = new CipherPathDecoder(new NameTransform(core), view.Mountpoint);
                        changes = DryRunChange.FromRsync(transfer.OutputLines, decoder.Decode);
                    }
                }
                finally
                {
                    run.Phases.Time("unmount", view.Dispose);
                }
                // The view is unmounted: the snapshot can go before the destination is finished.
                var removal = sourceSnapshot?.Remove();
                var result = run.Finish(transfer, changed, changedCount);
                if (removal is not null && result.Error is null)
                    result = result with { Error = new BackupException(BackupErrorKind.SourceSnapshot, "--source-snapshot: " + removal) };
                return (changes is null ? result : result with { Changes = changes }, null);
            }
            finally
            {
                ViewRuntimeDirectory.Remove(mountDir);
            }
        }
        catch (BackupException e)
        {
            return (run.Failed(e), null);
        }
        catch (CliException e)
        {
            return (run.Failed(new BackupException(BackupErrorKind.RsyncFailed, e.Message, e)), e);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Caught here so that the view is unmounted on the way out (an unhandled exception would skip it).
            var message = $"internal error (a bug, please report it): {e}";
            return (run.Failed(new BackupException(BackupErrorKind.RsyncFailed, message, e)), new CliException(ExitCodes.InternalError, message, e));
        }
        finally
        {
            // Every way out (failure, SIGINT/SIGTERM) removes the source snapshot; a no-op after the removal above.
            sourceSnapshot?.Remove();
        }
    }

    private static BackupException Interrupted() => new(BackupErrorKind.Interrupted, "interrupted before the transfer; nothing was changed but the incomplete snapshot, which the next run resumes");

    /// <summary>Unmounts and removes the view directories of earlier runs that were killed (SIGKILL, power loss).</summary>
    internal static void RemoveStaleViews(ILogger logger)
    {
        foreach (var dir in ViewRuntimeDirectory.FindStale())
        {
            try
            {
                FuseMount.Unmount(dir, lazy: true);
                logger.LogWarning("unmounted the view {Dir} left by a killed run", dir);
            }
            catch (FuseMountException)
            {
                // Not mounted: only the directory is left.
            }
            ViewRuntimeDirectory.Remove(dir);
        }
    }

    internal static T Map<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (BackupException e)
        {
            throw new CliException(ExitCodeOf(e.Kind), e.Message, e);
        }
    }

    /// <summary>The documented exit code of each failure kind.</summary>
    public static int ExitCodeOf(BackupErrorKind kind) => kind switch
    {
        BackupErrorKind.Usage => ExitCodes.Usage,
        BackupErrorKind.BadDestination or BackupErrorKind.BadSource => ExitCodes.BadDirectory,
        BackupErrorKind.ToolMissing => ExitCodes.ToolMissing,
        BackupErrorKind.RemoteUnreachable => ExitCodes.RemoteUnreachable,
        BackupErrorKind.PartialTransfer => ExitCodes.PartialTransfer,
        BackupErrorKind.Interrupted => ExitCodes.Interrupted,
        BackupErrorKind.Differs => ExitCodes.DataDamaged,
        BackupErrorKind.Busy => ExitCodes.DestinationBusy,
        BackupErrorKind.DestinationFailed => ExitCodes.DestinationFailed,
        BackupErrorKind.HookFailed => ExitCodes.HookFailed,
        BackupErrorKind.SourceSnapshot => ExitCodes.SourceSnapshotFailed,
        _ => ExitCodes.RsyncFailed,
    };

    /// <summary>The progress bar on a terminal (stderr): redrawn at most 4 times a second.</summary>
    internal sealed class ProgressLine
    {
        private readonly Lock _lock = new();
        private readonly ProgressMeter _meter = new();
        private readonly Stopwatch _clock = new();
        private TimeSpan? _lastDraw;
        private bool _shown;

        public void Start() => _clock.Start();

        public void Update(RsyncProgress update)
        {
            lock (_lock)
            {
                var elapsed = _clock.Elapsed;
                _meter.Add(update, elapsed);
                if (_lastDraw is { } last && elapsed - last < TimeSpan.FromMilliseconds(250)) return;
                _lastDraw = elapsed;
                var width = Math.Max(20, SafeWidth() - 1);
                Console.Error.Write("\r" + _meter.Format(width).PadRight(width));
                _shown = true;
            }
        }

        public void Clear()
        {
            lock (_lock)
            {
                if (!_shown) return;
                Console.Error.Write("\r" + new string(' ', Math.Max(20, SafeWidth() - 1)) + "\r");
                _shown = false;
            }
        }

        private static int SafeWidth()
        {
            try
            {
                return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
            }
            catch (IOException)
            {
                return 80;
            }
        }
    }
}
