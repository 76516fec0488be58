using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ReverseCrypt.Operations.Backup;

/// <summary>The closing summary of a backup: a few lines of text, or one JSON object (<c>--json</c>).</summary>
public static class BackupSummary
{
    /// <summary>How many changed files the text summary names (JSON has them all, up to the view's limit).</summary>
    public const int ChangedShown = 20;

    public static string ToText(BackupResult result, string source)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        var what = result.DryRun ? "Dry run of the backup" : "Backup";
        text.Append(CultureInfo.InvariantCulture, $"{what} of {source} to {result.Destination}");
        if (result.Snapshot is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $": snapshot {result.Snapshot}");
            text.Append(result.Completed ? " (complete, now latest)" : result.DryRun ? " (not created: dry run)" : " (incomplete)");
        }
        text.Append('\n');
        if (result.Run is { } run) text.Append(CultureInfo.InvariantCulture, $"  run: {run.Describe()}\n");
        var s = result.Stats;
        if (s.Complete)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"  files {(result.DryRun ? "to transfer" : "transferred")}: {s.FilesTransferred} of {Math.Max(0, s.Files)}");
            text.Append(CultureInfo.InvariantCulture, $", bytes sent: {ByteSize.Format(s.BytesSent)}");
            if (s.LiteralData >= 0 && s.MatchedData >= 0)
                text.Append(CultureInfo.InvariantCulture, $" (new data {ByteSize.Format(s.LiteralData)}, matched {ByteSize.Format(s.MatchedData)})");
            text.Append('\n');
        }
        else if (result.ProgressBytes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  stopped after sending about {ByteSize.Format(result.ProgressBytes)} of file data\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"  duration: {result.Duration.TotalSeconds:0.0} s");
        if (result.ResumedFrom is not null) text.Append(CultureInfo.InvariantCulture, $", resumed the interrupted {result.ResumedFrom}");
        if (result.Previous is not null && result.Snapshot is not null)
        {
            text.Append((result.SnapshotMode, result.SnapshotStart) switch
            {
                (SnapshotMode.Btrfs, _) => $", a btrfs snapshot of {result.Previous} updated in place",
                (SnapshotMode.Reflink, SnapshotStart.Linked) =>
                    $", a hard-link copy of {result.Previous} whose changed files are reflink copies updated in place (reflink, linked)",
                (SnapshotMode.Reflink, _) => $", a reflink copy of {result.Previous} updated in place",
                (_, SnapshotStart.Linked) => $", a hard-link copy of {result.Previous} without the changed paths (hardlink, linked)",
                _ => $", unchanged files linked to {result.Previous}",
            });
        }
        if (result.RsyncCpu is int cpu) text.Append(CultureInfo.InvariantCulture, $", rsync on CPU {cpu} (FUSE over io_uring)");
        text.Append('\n');
        if (result.Pruned.Count > 0)
            text.Append(CultureInfo.InvariantCulture, $"  {(result.DryRun ? "would prune" : "pruned")}: {string.Join(' ', result.Pruned)}\n");
        if (result.ChangedDuringRunCount > 0)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"  changed while being read: {result.ChangedDuringRunCount} file{(result.ChangedDuringRunCount == 1 ? "" : "s")}, each stored as one consistent earlier state; the next run sends them again\n");
            foreach (var path in result.ChangedDuringRun.Take(ChangedShown)) text.Append(CultureInfo.InvariantCulture, $"    {path}\n");
            if (result.ChangedDuringRunCount > ChangedShown)
                text.Append(CultureInfo.InvariantCulture, $"    ... and {result.ChangedDuringRunCount - ChangedShown} more (--json lists up to {result.ChangedDuringRun.Count})\n");
        }
        if (result.Changes is { } changes)
        {
            text.Append(CultureInfo.InvariantCulture, $"  would change {changes.Count} path{(changes.Count == 1 ? "" : "s")}:\n");
            foreach (var change in changes) text.Append(CultureInfo.InvariantCulture, $"    {change.Action}: {change.PlainPath}\n");
        }
        foreach (var warning in result.Warnings) text.Append(CultureInfo.InvariantCulture, $"  warning: {warning}\n");
        // A failure is not repeated here: the command prints it once, on stderr (JSON keeps it in "error").
        return text.ToString();
    }

    /// <summary>
    /// One JSON object: files_transferred, bytes_sent, duration_s, snapshot (null without snapshots) and source,
    /// destination, completed, latest, previous, resumed_from, dry_run, snapshot_mode (hardlink, reflink, btrfs),
    /// snapshot_start (how the new snapshot began: "copy" a whole clone of the previous one, "linked" a hard-link copy
    /// of it whose changed paths were removed or, in reflink mode, replaced by reflink copies of themselves, "empty",
    /// "resumed"; null when none was begun), files_total, bytes_received, literal_bytes,
    /// matched_bytes, total_size, transferred_size, pruned, snapshots, warnings, with --dry-run changes (at most
    /// <see cref="DryRunChange.JsonLimit"/> {action, path}), changes_count and changes_truncated, rsync_exit_code,
    /// rsync_cpu (the CPU rsync was pinned to, or null), run ("full" or "incremental", null when not decided) and
    /// run_reason, for an incremental run changed_paths, deleted_paths (plaintext objects) and listed_paths (cipher
    /// paths given to rsync), phases (each step's name and its duration in seconds, in the order the steps ended, e.g.
    /// {"key": 0.05, "lock": 0.31, "probe": 0.04, "walk": 1.2, "compare": 0.3, "begin": 0.6, "mount": 0.1, "rsync": 1.9, "unmount":
    /// 0.02, "commit": 0.3, "manifest": 0.2}; a step that did not run is absent), exit_code, error.
    /// </summary>
    public static string ToJson(BackupResult result, string source, int exitCode)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            var s = result.Stats;
            json.WriteStartObject();
            json.WriteNumber("files_transferred", Math.Max(0, s.FilesTransferred));
            json.WriteNumber("bytes_sent", result.BytesSent);
            json.WriteBoolean("stats_complete", s.Complete);
            json.WriteNumber("duration_s", Math.Round(result.Duration.TotalSeconds, 3));
            WriteStringOrNull(json, "snapshot", result.Snapshot);
            json.WriteString("source", source);
            json.WriteString("destination", result.Destination);
            json.WriteBoolean("completed", result.Completed);
            WriteStringOrNull(json, "latest", result.Completed ? result.Snapshot : null);
            WriteStringOrNull(json, "previous", result.Previous);
            WriteStringOrNull(json, "resumed_from", result.ResumedFrom);
            json.WriteBoolean("dry_run", result.DryRun);
            WriteStringOrNull(json, "snapshot_mode", result.SnapshotMode?.Name());
            WriteStringOrNull(json, "snapshot_start", result.SnapshotStart?.Name());
            WriteStringOrNull(json, "run", result.Run is null ? null : result.Run.Incremental ? "incremental" : "full");
            WriteStringOrNull(json, "run_reason", result.Run?.Reason);
            if (result.Run is { Incremental: true } incremental)
            {
                json.WriteNumber("changed_paths", incremental.Changed);
                json.WriteNumber("deleted_paths", incremental.Deleted);
                json.WriteNumber("listed_paths", incremental.Listed.Count);
            }
            WriteCount(json, "files_total", s.Files);
            WriteCount(json, "files_created", s.CreatedFiles);
            WriteCount(json, "files_deleted", s.DeletedFiles);
            WriteCount(json, "bytes_received", s.BytesReceived);
            WriteCount(json, "literal_bytes", s.LiteralData);
            WriteCount(json, "matched_bytes", s.MatchedData);
            WriteCount(json, "total_size", s.TotalFileSize);
            WriteCount(json, "transferred_size", s.TransferredFileSize);
            WriteArray(json, "pruned", result.Pruned);
            WriteArray(json, "snapshots", result.Snapshots);
            WriteArray(json, "warnings", result.Warnings);
            WriteArray(json, "changed_during_run", result.ChangedDuringRun);
            json.WriteNumber("changed_during_run_count", result.ChangedDuringRunCount);
            if (result.Changes is { } changes)
            {
                // At most DryRunChange.JsonLimit entries; changes_count is the whole number.
                json.WriteStartArray("changes");
                foreach (var change in changes.Take(DryRunChange.JsonLimit))
                {
                    json.WriteStartObject();
                    json.WriteString("action", change.Action);
                    json.WriteString("path", change.PlainPath);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteNumber("changes_count", changes.Count);
                json.WriteBoolean("changes_truncated", changes.Count > DryRunChange.JsonLimit);
            }
            if (result.RsyncExitCode is { } rc) json.WriteNumber("rsync_exit_code", rc);
            else json.WriteNull("rsync_exit_code");
            if (result.RsyncCpu is { } cpu) json.WriteNumber("rsync_cpu", cpu);
            else json.WriteNull("rsync_cpu");
            WritePhases(json, result.Phases);
            json.WriteNumber("exit_code", exitCode);
            WriteStringOrNull(json, "error", result.Error?.Message);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>"phases": one member per step name in the order the steps ended (a step that ran twice is summed).</summary>
    private static void WritePhases(Utf8JsonWriter json, IReadOnlyList<BackupPhase> phases)
    {
        var order = new List<string>();
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var phase in phases)
        {
            if (!seconds.ContainsKey(phase.Name))
            {
                order.Add(phase.Name);
                seconds[phase.Name] = 0;
            }
            seconds[phase.Name] += phase.Duration.TotalSeconds;
        }
        json.WriteStartObject("phases");
        foreach (var name in order) json.WriteNumber(name, Math.Round(seconds[name], 3));
        json.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }

    private static void WriteCount(Utf8JsonWriter json, string name, long value)
    {
        if (value < 0) json.WriteNull(name);
        else json.WriteNumber(name, value);
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values) json.WriteStringValue(value);
        json.WriteEndArray();
    }
}
