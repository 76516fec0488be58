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
        var command = new Command("verify",
            "Check that a backup equals what the plaintext encrypts to now, byte for byte, without the remote side needing the key; lists differing files by plaintext path.\n\n" +
            "Give the same exclude options as to backup. Exit codes: 0 identical; 30 differences found; 40/41/43 as for backup.")
        {
            job.Config, job.SourceLatestDir, job.Ssh, snapshot, json, job.Debug, job.Paths,
        };
        job.Password.AddTo(command);
        job.Excludes.AddTo(command);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var (plainDir, destination) = job.BindPaths(r);
            var run = BackupCommand.Map(() => new VerifyRun(new VerifyOptions
            {
                Destination = destination,
                RemoteShell = job.RemoteShell(r),
                Snapshot = r.GetValue(snapshot),
            }));
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
            try
            {
                using var view = ReverseView.Mount(settings, mountDir, loggers);
                result = BackupCommand.Map(() => run.Compare(view.Mountpoint, line => Console.Error.WriteLine(line), interrupt.Token));
                using var core = key.CreateCore();
                var decoder = new CipherPathDecoder(new NameTransform(core), view.Mountpoint);
                named = [.. result.Differences.Select(d => (d, decoder.Decode(d.CipherPath)))];
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
            Console.Out.Write(r.GetValue(json) ? ToJson(result, named, plainDir, destination, seconds, exitCode) + "\n" : ToText(result, named, plainDir, destination));
            Console.Out.Flush();
            return result.Identical
                ? ExitCodes.Ok
                : CommandRunner.Fail(exitCode, $"{named.Count} difference{(named.Count == 1 ? "" : "s")} between {plainDir} and the backup");
        }));
        return command;
    }

    private static string Target(VerifyResult result, BackupDestination destination) =>
        result.Snapshot is null ? destination.Text : $"{destination.Text} (snapshot {result.Snapshot})";

    private static string ToText(VerifyResult result, List<(VerifyDifference Difference, string PlainPath)> named, string plainDir,
        BackupDestination destination)
    {
        var text = new StringBuilder();
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

    private static string ToJson(VerifyResult result, List<(VerifyDifference Difference, string PlainPath)> named, string plainDir,
        BackupDestination destination, double seconds, int exitCode)
    {
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
            json.WriteStartArray("differences");
            foreach (var (difference, plainPath) in named)
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
            json.WriteNumber("exit_code", exitCode);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
