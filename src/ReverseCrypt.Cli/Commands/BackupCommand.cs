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
        var now = new Option<string?>("--now") { Description = "For tests: the UTC time the snapshot is named after.", Hidden = true };
        var command = new Command("backup",
            "Back up the encrypted view of a plaintext directory with rsync to a local directory or over ssh; the remote side never needs the key.\n\n" +
            "Exit codes: 0 success; 40 rsync/ssh missing; 41 remote unreachable or login refused; 42 partial transfer (some source files vanished or were unreadable: the snapshot is completed, retention skipped); 43 rsync failed; 44 another backup to DEST is running (nothing was done); 45 the destination failed (full, quota, read-only, I/O error: the snapshot stays incomplete, latest unchanged); 130 interrupted (the incomplete snapshot is resumed by the next run); and those of 'reversecrypt --help'.")
        {
            job.Instance, job.Config, job.SourceLatestDir, job.Ssh, snapshots, snapshotMode, keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, bwlimit, dryRun, json, job.Debug, now, job.Paths,
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
            var settings = job.OpenView(r, plainDir,
                configPath => $"no config {configPath}; create one with 'reversecrypt init --reverse {plainDir}' (or give --config)",
                configPath => $"{configPath} is not an AES-SIV config; reverse mode needs one (create it with 'reversecrypt init --reverse')");
            using var key = settings.Key;
            using var loggers = job.CreateLoggers(r);
            using var core = settings.Key.CreateCore();
            run.Changes = changeDetection.Create(r, settings, core, destination, options.Snapshots, job);

            using var interrupt = new Interruption();
            var (result, failure) = Execute(run, settings, loggers, progress, options.DryRun, interrupt.Token);
            progress?.Clear();
            var exitCode = failure?.ExitCode ?? (result.Error is null ? ExitCodes.Ok : ExitCodeOf(result.Error.Kind));
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
        return command;
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
        ILoggerFactory loggers, ProgressLine? progress, bool dryRun, CancellationToken cancellation)
    {
        try
        {
            RemoveStaleViews(loggers.CreateLogger("backup"));
            var plan = run.Prepare(cancellation);
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
                using (var view = ReverseView.Mount(settings, mountDir, loggers))
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
                var result = run.Finish(transfer, changed, changedCount);
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
