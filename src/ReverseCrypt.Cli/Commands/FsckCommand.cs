using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Operations.Check;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt fsck`: authenticates every name, block, symlink and xattr of an encrypted copy.</summary>
public static class FsckCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "Config file (default: CIPHERDIR/gocryptfs.conf).", HelpName = "FILE" };
        var cipherDir = new Argument<string>("CIPHERDIR") { Description = "The encrypted copy to check." };
        var password = new PasswordOptions();
        var command = new Command("fsck", "Check every name, .name file, diriv, header, block, symlink and xattr of an encrypted copy; list its setuid/setgid files, device nodes and FIFOs (SPECIAL lines). Exit 0 = clean, 30 = damage found.")
        {
            config, cipherDir,
        };
        password.AddTo(command);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var dir = r.GetValue(cipherDir)!;
            using var key = CipherTreeKey.Open(password.Bind(r), dir, r.GetValue(config)?.FullName);
            using var core = key.CreateCore();
            using var interruption = new Interruption();
            var line = new ProgressLine();
            var progress = new Progress<FsckProgress>(p => line.Show(
                $"{p.ObjectsChecked}/{p.ObjectsTotal} objects  {ProgressLine.Bytes(p.BytesChecked)}/{ProgressLine.Bytes(p.BytesTotal)}  {p.Problems} problems"));
            FsckReport report;
            try
            {
                report = CipherTreeKey.Guard(() => Fsck.Run(new FsckOptions { CipherDir = Path.GetFullPath(dir) }, core, progress, interruption.Token));
            }
            finally
            {
                line.Done();
            }
            foreach (var problem in report.Problems) Console.WriteLine($"DAMAGED {problem}");
            foreach (var entry in report.Sensitive) Console.WriteLine($"SPECIAL {entry}");
            var c = report.Counts;
            Console.WriteLine($"Checked {c.Directories} directories, {c.Files} files ({c.Blocks} blocks, {ProgressLine.Bytes(c.Bytes)}), "
                + $"{c.Symlinks} symlinks, {c.Specials} special files, {c.Xattrs} xattrs in {report.Elapsed.TotalSeconds:0.0} s; "
                + $"{report.Sensitive.Count} setuid/setgid files, device nodes and FIFOs (listed as SPECIAL, not damage): "
                + (report.IsClean ? "clean." : $"{report.Problems.Count} damaged objects."));
            if (report.Cancelled) return ExitCodes.Interrupted;
            return report.IsClean ? ExitCodes.Ok : ExitCodes.DataDamaged;
        }));
        return command;
    }
}
