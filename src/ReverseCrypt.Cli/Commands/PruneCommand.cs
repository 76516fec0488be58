using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt prune DEST --keep-...`: retention run on the machine that holds DEST (the only way to delete
/// snapshots of an append-only destination, see <c>serve --append-only</c>). Takes the destination's lock like a
/// backup, keeps the snapshot <c>latest</c> names and every incomplete one, and deletes what the policy does not keep.</summary>
public static class PruneCommand
{
    public static Command Create()
    {
        var keepLast = new Option<int>("--keep-last") { Description = "Keep the N newest snapshots.", HelpName = "N" };
        var keepHourly = new Option<int>("--keep-hourly") { Description = "... and the newest snapshot of each of the N newest hours (UTC).", HelpName = "N" };
        var keepDaily = new Option<int>("--keep-daily") { Description = "... and of each of the N newest days.", HelpName = "N" };
        var keepWeekly = new Option<int>("--keep-weekly") { Description = "... and of each of the N newest ISO weeks.", HelpName = "N" };
        var keepMonthly = new Option<int>("--keep-monthly") { Description = "... and of each of the N newest months. At least one --keep-* is required.", HelpName = "N" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Show what would be deleted; delete nothing." };
        var destination = new Argument<string>("DEST") { Description = "The backup destination directory on this machine (not host:path: prune runs where the snapshots are)." };
        var command = new Command("prune",
            "Delete the snapshots of a local backup destination that the retention options do not keep (the same rules as backup --keep-*); 'latest' and incomplete snapshots stay. Run on the remote itself, e.g. from reversecrypt-prune@.timer, for a destination served with 'serve --append-only'.\n\n" +
            "Exit codes: 0 done; 2 no --keep-* or a negative N, or DEST is host:path; 20 DEST missing or not a directory; 44 a backup to DEST is running; 45 a deletion failed.")
        {
            keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, dryRun, destination,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var retention = new RetentionPolicy(r.GetValue(keepDaily), r.GetValue(keepWeekly), r.GetValue(keepMonthly),
                r.GetValue(keepLast), r.GetValue(keepHourly));
            if (retention.HasNegative) throw new CliException(ExitCodes.Usage, "--keep-*: N cannot be negative");
            if (retention.IsEmpty) throw new CliException(ExitCodes.Usage, "prune needs at least one --keep-* option (without one it would keep everything)");
            var text = r.GetValue(destination)!;
            var parsed = BackupCommand.Map(() => BackupDestination.Parse(text));
            if (parsed.IsRemote)
                throw new CliException(ExitCodes.Usage, $"{text}: prune runs on the machine that holds the snapshots; give a local path there");
            var shell = new DestinationShell(parsed, ["ssh"]);
            var store = new SnapshotStore(shell);
            var state = BackupCommand.Map(() => store.Probe());
            if (state.NotADirectory) throw new CliException(ExitCodes.BadDirectory, $"{text} is not a directory");
            if (!state.Exists) throw new CliException(ExitCodes.BadDirectory, $"{text}: no such directory");
            var dry = r.GetValue(dryRun);
            using var lease = dry ? null : BackupCommand.Map(() => DestinationLease.Acquire(shell, exclusive: true, create: false, TimeSpan.FromSeconds(30)));
            if (!dry) state = BackupCommand.Map(() => store.Probe());
            var protect = state.LatestSnapshot is { } latest ? new[] { latest } : [];
            var plan = retention.Apply(state.Complete, protect);
            foreach (var kept in plan.Keep)
                Console.WriteLine($"keep    {kept.Name}  ({string.Join(", ", kept.Reasons)})");
            foreach (var name in plan.Remove) Console.WriteLine($"{(dry ? "would delete" : "delete ")} {name}");
            if (!dry && plan.Remove.Count > 0)
            {
                try
                {
                    store.Delete(plan.Remove);
                }
                catch (BackupException e)
                {
                    throw new CliException(ExitCodes.DestinationFailed, e.Message, e);
                }
            }
            Console.WriteLine($"{plan.Keep.Count} kept, {plan.Remove.Count} {(dry ? "would be deleted" : "deleted")}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
