using System.CommandLine;
using System.Diagnostics;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Operations.Remote;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt serve [--append-only] DEST`: the forced command of the source's key on the remote. Runs what
/// the client asked for (SSH_ORIGINAL_COMMAND) when <see cref="ServeEndpoint"/> allows it, with this process's standard
/// input and output, and exits with its exit code; anything else gets one line on stderr and exit 47.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var appendOnly = new Option<bool>("--append-only") { Description = "Committed snapshots can be neither deleted nor changed: rsync writes only into new or interrupted snapshots, retention is refused (run 'reversecrypt prune' on this machine), a mirror without snapshots is refused; DEST must be on btrfs or XFS (reflink)." };
        var destination = new Argument<string>("DEST") { Description = "The backup destination directory on this machine; every command is confined to it." };
        var command = new Command("serve",
            "Run as the forced command of the backup source's ssh key in this machine's authorized_keys:\n" +
            "  command=\"reversecrypt serve --append-only /srv/backups/host1\",restrict ssh-ed25519 AAAA...\n" +
            "Accepts exactly the steps and rsync runs that backup, verify, snapshots and restore --from need inside DEST and refuses everything else.\n\n" +
            "Exit codes: that of the step or rsync it ran; 47 refused (one line on stderr says why); 2 bad command line.")
        {
            appendOnly, destination,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var endpoint = new ServeEndpoint(r.GetValue(destination)!, r.GetValue(appendOnly));
            (string Program, IReadOnlyList<string> Arguments) run;
            try
            {
                run = endpoint.Prepare(Environment.GetEnvironmentVariable("SSH_ORIGINAL_COMMAND"));
            }
            catch (ServeRefusedException e)
            {
                throw new CliException(ExitCodes.Refused, "serve: " + e.Message, e);
            }
            // Standard input, output and error are inherited: the client talks to the step or rsync directly.
            var start = new ProcessStartInfo(run.Program) { UseShellExecute = false };
            foreach (var argument in run.Arguments) start.ArgumentList.Add(argument);
            using var child = Process.Start(start) ?? throw new CliException(ExitCodes.ToolMissing, $"serve: cannot start {run.Program}");
            child.WaitForExit();
            return child.ExitCode;
        }));
        return command;
    }
}
