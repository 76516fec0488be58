using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Operations.Restore;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt restore`: recreates the plaintext tree from an encrypted copy, without FUSE.</summary>
public static class RestoreCommand
{
    public static Command Create()
    {
        var paths = new Option<string[]>("--path") { Description = "Restore only this plaintext path (relative to the root; \\xNN for non-UTF-8 bytes). Repeatable.", HelpName = "PLAINPATH" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Decrypt and check everything, write nothing." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace existing files in TARGET (otherwise they are left alone and reported)." };
        var devices = new Option<bool>("--devices") { Description = "Also create the character and block device nodes and FIFOs of the copy (needs root for devices). Without it each one is listed and skipped (exit 30): whoever controls the copy can plant them." };
        var config = new Option<FileInfo?>("--config") { Description = "Config file (default: CIPHERDIR/gocryptfs.conf; with --from the snapshot's own).", HelpName = "FILE" };
        var cipherDir = new Argument<string>("CIPHERDIR") { Description = "The encrypted copy (e.g. a backup snapshot); with --from, TARGET." };
        var target = new Argument<string?>("TARGET") { Description = "Where to recreate the plaintext tree (created if missing).", Arity = ArgumentArity.ZeroOrOne };
        var from = new RestoreFromOptions();
        var password = new PasswordOptions();
        var command = new Command("restore", "Recreate the plaintext tree from an encrypted copy: contents, holes, links, special files, owners, modes, times, xattrs, ACLs.")
        {
            paths, dryRun, overwrite, devices, config, cipherDir, target,
        };
        password.AddTo(command);
        from.AddTo(command);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var plainPaths = new List<byte[]>();
            foreach (var p in r.GetValue(paths) ?? [])
            {
                if (!BytePath.TryParseDisplay(p, out var bytes)) throw new CliException(ExitCodes.Usage, $"--path {p}: not a valid path");
                plainPaths.Add(bytes);
            }
            using var source = from.Open(r, password.Bind(r), r.GetValue(config)?.FullName, plainPaths, r.GetValue(cipherDir), r.GetValue(target));
            var dir = source?.CipherDir ?? r.GetValue(cipherDir)!;
            using var key = source?.TakeKey() ?? CipherTreeKey.Open(password.Bind(r), dir, r.GetValue(config)?.FullName);
            using var core = key.CreateCore();
            using var interruption = new Interruption();
            var line = new ProgressLine();
            var progress = new Progress<RestoreProgress>(p => line.Show(
                $"{p.FilesDone}/{p.FilesTotal} files  {ProgressLine.Bytes(p.BytesDone)}/{ProgressLine.Bytes(p.BytesTotal)}  {ProgressLine.Bytes(p.BytesPerSecond)}/s  ETA {ProgressLine.Duration(p.Eta)}"
                + (p.Failures > 0 ? $"  {p.Failures} failed" : "")));
            var options = new RestoreOptions
            {
                CipherDir = Path.GetFullPath(dir),
                Target = Path.GetFullPath(source?.Target ?? r.GetValue(target) ?? throw new CliException(ExitCodes.Usage, "TARGET is missing")),
                Paths = plainPaths,
                DryRun = r.GetValue(dryRun),
                Overwrite = r.GetValue(overwrite),
                Devices = r.GetValue(devices),
            };
            RestoreResult result;
            try
            {
                result = CipherTreeKey.Guard(() => Restorer.Run(options, core, progress, interruption.Token));
            }
            finally
            {
                line.Done();
            }
            PrintReport(result, options.DryRun);
            if (result.Cancelled) return ExitCodes.Interrupted;
            return result.IsClean ? ExitCodes.Ok : ExitCodes.DataDamaged;
        }));
        return command;
    }

    /// <summary>Problems on stderr, one line each; the summary and the list of setuid/setgid files, device nodes and
    /// FIFOs in the target on stdout; an interruption as the last line, on stderr.</summary>
    private static void PrintReport(RestoreResult result, bool dryRun)
    {
        foreach (var warning in result.Warnings) Console.Error.WriteLine($"reversecrypt: warning: {warning}");
        foreach (var failure in result.Failures)
            Console.Error.WriteLine($"{(failure.Kind == RestoreFailureKind.DeviceSkipped ? "SKIPPED" : "FAILED")} {failure}");
        foreach (var damage in result.Damage) Console.Error.WriteLine($"DAMAGED {damage}");
        if (result.Sensitive.Count > 0)
        {
            Console.WriteLine(dryRun
                ? $"Would create {result.Sensitive.Count} setuid/setgid files, device nodes and FIFOs:"
                : $"Setuid/setgid files, device nodes and FIFOs in the target ({result.Sensitive.Count}):");
            foreach (var entry in result.Sensitive) Console.WriteLine($"  {entry}");
        }
        var c = result.Counts;
        int skipped = result.Skipped.Count();
        int problems = result.Failures.Count - skipped + result.Damage.Count;
        Console.WriteLine($"{(dryRun ? "Checked" : "Restored")} {c.Files} files ({ProgressLine.Bytes(c.Bytes)}), {c.Directories} directories, "
            + $"{c.Symlinks} symlinks, {c.Specials} special files, {c.HardLinks} hard links, {c.Xattrs} xattrs"
            + (c.AlreadyComplete > 0 ? $"; {c.AlreadyComplete} already complete" : "")
            + $" in {result.Elapsed.TotalSeconds:0.0} s; {problems} problems"
            + (skipped > 0 ? $"; {skipped} device nodes/FIFOs skipped (restore --devices creates them)." : "."));
        Console.Out.Flush();
        if (result.Cancelled)
        {
            Console.Error.WriteLine(dryRun
                ? $"reversecrypt: interrupted: the dry run stopped after {c.Files} files; nothing was written."
                : $"reversecrypt: interrupted: {c.Files} files restored in this run, the rest not yet; run the same command again to "
                  + "resume (files already restored are kept and skipped; no partial file is left under its name).");
        }
    }
}
