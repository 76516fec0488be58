using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Operations.Remote;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt snapshots`: lists the snapshots of a backup destination (local or over ssh); reads only the
/// listing, so no password is needed.</summary>
public static class SnapshotsCommand
{
    public static Command Create()
    {
        var ssh = new Option<string?>("--ssh") { Description = "Remote shell command for a [user@]host:path destination, as rsync's -e (default: ssh).", HelpName = "CMD" };
        var json = new Option<bool>("--json") { Description = "Print one JSON array with one object per snapshot: name, time, complete, latest, path." };
        var destination = new Argument<string>("DEST") { Description = "The backup destination: a local directory or [user@]host:path (the DEST given to backup --snapshots)." };
        var command = new Command("snapshots",
            "List the snapshots of a backup destination, oldest first: name, UTC time, complete or incomplete, which one 'latest' is. No password needed.\n\n" +
            "Exit codes: 0 listed; 20 DEST missing or not a directory; 41 host unreachable; 46 DEST holds no snapshots.")
        {
            ssh, json, destination,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var catalog = RemoteErrors.Map(() => SnapshotCatalog.Read(r.GetValue(destination)!, r.GetValue(ssh)));
            var snapshots = catalog.Snapshots;
            if (snapshots.Count == 0)
            {
                try
                {
                    catalog.RequireSnapshots();
                }
                catch (NotInBackupException e)
                {
                    if (r.GetValue(json)) Console.WriteLine("[]");
                    throw new CliException(ExitCodes.NotInBackup, e.Message, e);
                }
            }
            Console.Write(r.GetValue(json) ? ToJson(snapshots) + "\n" : ToText(snapshots));
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static string ToText(IReadOnlyList<SnapshotEntry> snapshots)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"NAME",-19}  {"UTC TIME",-19}  STATE\n");
        foreach (var s in snapshots)
        {
            text.Append(CultureInfo.InvariantCulture, $"{s.Name,-19}  {s.Time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-19}  ");
            text.Append(s.Complete ? "complete" : "incomplete");
            if (s.Latest) text.Append("  latest");
            text.Append('\n');
        }
        return text.ToString();
    }

    public static string ToJson(IReadOnlyList<SnapshotEntry> snapshots)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            writer.WriteStartArray();
            foreach (var s in snapshots)
            {
                writer.WriteStartObject();
                writer.WriteString("name", s.Name);
                writer.WriteString("time", s.Time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                writer.WriteBoolean("complete", s.Complete);
                writer.WriteBoolean("latest", s.Latest);
                writer.WriteString("path", s.RelativePath);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
