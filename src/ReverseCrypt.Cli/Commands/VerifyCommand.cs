using System.CommandLine;
using System.Text;
using System.Text.Json;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Format;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Cli.Commands;

/// <summary>
/// `reversecrypt verify`: proves that a backup (the latest snapshot when snapshots are used) equals what the plaintext
/// encrypts to, byte for byte. The view is deterministic, so rsync compares full-file checksums computed on each side;
/// the remote never needs the key. Differences are listed by plaintext path.
/// </summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var job = new BackupJobOptions(
            destination: "the backup",
            sourceLatest: "Compare the newest subdirectory of DIR, as backup --source-latest picks it.");
        var snapshot = new Option<string?>("--snapshot") { Description = "Check this snapshot (a name under DEST/snapshots) instead of the latest.", HelpName = "NAME" };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object." };
        var repair = new Option<bool>("--repair") { Description = "Re-send every differing file from the plaintext as a new file (never writing into a file older snapshots share), delete what the plaintext does not have, then verify again. Takes the destination's lock like a backup." };
        var command = new Command("verify",
            "Check that a backup equals what the plaintext encrypts to now, byte for byte, without the remote side needing the key; lists differing files by plaintext path.\n\n" +
            "Give the same exclude options as to backup (--instance NAME reads them from the instance file). Exit codes: 0 identical (with --repair: identical after the repair); 30 differences found (or left); 40/41/43/45 as for backup; 44 a backup of DEST is running.")
        {
            job.Instance, job.Config, job.SourceLatestDir, job.Ssh, snapshot, json, repair, job.NoSparse, job.Debug, job.Paths,
        };
        job.Password.AddTo(command);
        job.Excludes.AddTo(command);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var (plainDir, destination) = job.BindPaths(r);
            var repairing = r.GetValue(repair);
            using var run = BackupCommand.Map(() => new VerifyRun(new VerifyOptions
            {
                Destination = destination,
                RemoteShell = job.RemoteShell(r),
                Snapshot = r.GetValue(snapshot),
                Repair = repairing,
            }));
            // Never compare against a snapshot a running backup writes: verifies share the lock, a backup excludes them.
            using var destinationLock = BackupCommand.Map(() => repairing
                ? DestinationLock.AcquireForWriting(destination)
                : DestinationLock.Acquire(destination, shared: true));
            var settings = job.OpenView(r, plainDir,
                configPath => $"no config {configPath} (give --config)",
                configPath => $"{configPath} is not an AES-SIV config");
            using var key = settings.Key;
            using var loggers = job.CreateLoggers(r);

            using var interrupt = new Interruption();
            var started = DateTime.UtcNow;
            BackupCommand.RemoveStaleViews(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            BackupCommand.Map(() => run.Resolve(interrupt.Token));
            var mountDir = BackupCommand.Map(() => ViewRuntimeDirectory.Create("verify"));
            VerifyResult result;
            List<(VerifyDifference Difference, string PlainPath)> named;
            List<(VerifyDifference Difference, string PlainPath)> repaired = [];
            var sharedWithOlder = new List<(string Snapshot, string PlainPath)>();
            try
            {
                using var view = ReverseView.Mount(settings, mountDir, loggers);
                result = BackupCommand.Map(() => run.Compare(view.Mountpoint, line => Console.Error.WriteLine(line), interrupt.Token));
                using var core = key.CreateCore();
                var decoder = new CipherPathDecoder(new NameTransform(core), view.Mountpoint);
                named = [.. result.Differences.Select(d => (d, decoder.Decode(d.CipherPath)))];
                if (repairing && !result.Identical)
                {
                    var found = result;
                    var (_, shared) = BackupCommand.Map(() => run.Repair(view.Mountpoint, found.Differences, line => Console.Error.WriteLine(line), interrupt.Token));
                    repaired = named;
                    foreach (var (older, cipherPath) in shared)
                        sharedWithOlder.Add((older, decoder.Decode(cipherPath)));
                    result = BackupCommand.Map(() => run.Compare(view.Mountpoint, line => Console.Error.WriteLine(line), interrupt.Token));
                    named = [.. result.Differences.Select(d => (d, decoder.Decode(d.CipherPath)))];
                }
            }
            catch (Exception e) when (e is not (CliException or OutOfMemoryException))
            {
                // Caught here so that the view is unmounted on the way out (an unhandled exception would skip it).
                throw new CliException(ExitCodes.InternalError, $"internal error (a bug, please report it): {e}", e);
            }
            finally
            {
                ViewRuntimeDirectory.Remove(mountDir);
            }
            var seconds = (DateTime.UtcNow - started).TotalSeconds;
            var exitCode = result.Identical ? ExitCodes.Ok : ExitCodes.DataDamaged;
            var report = new Report(result, named, repaired, sharedWithOlder, run.LockWarning);
            Console.Out.Write(r.GetValue(json) ? ToJson(report, plainDir, destination, seconds, exitCode) + "\n" : ToText(report, plainDir, destination));
            Console.Out.Flush();
            return result.Identical
                ? ExitCodes.Ok
                : CommandRunner.Fail(exitCode, $"{named.Count} difference{(named.Count == 1 ? "" : "s")} between {plainDir} and the backup");
        }));
        return command;
    }

    private static string Target(VerifyResult result, BackupDestination destination) =>
        result.Snapshot is null ? destination.Text : $"{destination.Text} (snapshot {result.Snapshot})";

    /// <summary>What verify found, repaired, and left.</summary>
    private sealed record Report(VerifyResult Result, List<(VerifyDifference Difference, string PlainPath)> Named,
        List<(VerifyDifference Difference, string PlainPath)> Repaired, List<(string Snapshot, string PlainPath)> SharedWithOlder,
        string? LockWarning);

    private static string ToText(Report report, string plainDir, BackupDestination destination)
    {
        var (result, named) = (report.Result, report.Named);
        var text = new StringBuilder();
        if (report.LockWarning is not null) text.Append($"warning: {report.LockWarning}\n");
        if (report.Repaired.Count > 0)
        {
            text.Append($"REPAIRED: {report.Repaired.Count} entr{(report.Repaired.Count == 1 ? "y" : "ies")} of {Target(result, destination)} re-sent from {plainDir} as new files:\n");
            foreach (var (difference, plainPath) in report.Repaired)
                text.Append($"  {difference.Describe()}: {plainPath}   [{difference.Changes} {difference.CipherPath}]\n");
            foreach (var (older, plainPath) in report.SharedWithOlder)
                text.Append($"  still damaged in the older snapshot {older} (the same file, hard-linked): {plainPath}\n");
        }
        if (result.Identical)
        {
            text.Append($"OK: {Target(result, destination)} equals the encryption of {plainDir}, byte for byte (full-file checksums on both sides).\n");
            return text.ToString();
        }
        text.Append($"DIFFERENT: {Target(result, destination)} differs from the encryption of {plainDir}:\n");
        foreach (var (difference, plainPath) in named)
            text.Append($"  {difference.Describe()}: {plainPath}   [{difference.Changes} {difference.CipherPath}]\n");
        return text.ToString();
    }

    private static string ToJson(Report report, string plainDir, BackupDestination destination, double seconds, int exitCode)
    {
        var (result, named) = (report.Result, report.Named);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("identical", result.Identical);
            json.WriteString("source", plainDir);
            json.WriteString("destination", destination.Text);
            if (result.Snapshot is null) json.WriteNull("snapshot");
            else json.WriteString("snapshot", result.Snapshot);
            json.WriteNumber("files_total", Math.Max(0, result.Run.Stats.Files));
            json.WriteNumber("duration_s", Math.Round(seconds, 3));
            WriteDifferences(json, "differences", named);
            WriteDifferences(json, "repaired", report.Repaired);
            json.WriteStartArray("shared_with_older");
            foreach (var (older, plainPath) in report.SharedWithOlder)
            {
                json.WriteStartObject();
                json.WriteString("snapshot", older);
                json.WriteString("path", plainPath);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (report.LockWarning is null) json.WriteNull("warning");
            else json.WriteString("warning", report.LockWarning);
            json.WriteNumber("exit_code", exitCode);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteDifferences(Utf8JsonWriter json, string name, List<(VerifyDifference Difference, string PlainPath)> differences)
    {
        json.WriteStartArray(name);
        foreach (var (difference, plainPath) in differences)
        {
            json.WriteStartObject();
            json.WriteString("path", plainPath);
            json.WriteString("kind", difference.Kind.ToString().ToLowerInvariant());
            json.WriteString("what", difference.Describe());
            json.WriteString("changes", difference.Changes);
            json.WriteString("cipher_path", difference.CipherPath);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
