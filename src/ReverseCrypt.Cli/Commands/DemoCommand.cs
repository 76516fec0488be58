using System.CommandLine;
using System.Diagnostics;
using System.Text;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Crypto;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Cli.Commands;

/// <summary>
/// `reversecrypt demo`: the main job on a generated tree, explained step by step: init, the encrypted view, an rsync
/// "backup", a one-block change that rsync sends as a small delta, and the copy decrypted again by gocryptfs.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the demo directory instead of deleting it." };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Where to work (default: a new directory under /tmp)." };
        var command = new Command("demo", "Run the backup job on a generated demo tree, step by step (needs root or FUSE access, rsync, gocryptfs).") { keep, dir };
        command.SetAction(r => CommandRunner.Run(() => Execute(r.GetValue(dir), r.GetValue(keep))));
        return command;
    }

    private static int Execute(DirectoryInfo? dir, bool keep)
    {
        foreach (var tool in new[] { "rsync", "gocryptfs", "diff" })
        {
            if (!OnPath(tool)) throw new CliException(ExitCodes.ToolMissing, $"{tool} is missing (apt-get install {(tool == "diff" ? "diffutils" : tool)})");
        }
        var work = dir?.FullName ?? Directory.CreateTempSubdirectory("reversecrypt-demo-").FullName;
        Directory.CreateDirectory(work);
        var plain = Path.Combine(work, "plain");
        var view = Path.Combine(work, "view");
        var remote = Path.Combine(work, "remote");
        var restored = Path.Combine(work, "restored");
        foreach (var d in new[] { plain, view, remote, restored }) Directory.CreateDirectory(d);
        var passfile = Path.Combine(work, "password.txt");
        File.WriteAllText(passfile, "demo password\n");
        var ok = false;
        try
        {
            Step("1. A plaintext tree (the data to back up)", $"in {plain}");
            MakeTree(plain);
            Show("find", plain, "-printf", "%M %u %s\t%P\n");

            Step("2. reversecrypt init --reverse", "a new master key, wrapped with the password (scrypt) into .gocryptfs.reverse.conf");
            using var key = MasterKey.Generate();
            var config = ConfFile.Create(key, Encoding.UTF8.GetBytes("demo password"), new ConfCreateOptions(Reverse: true, ScryptLogN: 10, Creator: $"ReverseCrypt {Program.Version}"));
            var configPath = Path.Combine(plain, ConfigLocator.ReverseName);
            config.WriteNew(configPath);
            Console.WriteLine($"   {configPath}");

            Step("3. reversecrypt mount --reverse", $"the encrypted, read-only view of {plain} at {view}");
            using var loggers = Logging.Create(debug: false, quiet: true);
            using (var opened = new OpenedKey(MasterKey.FromBytes(Export(key)), config.ToFormatOptions()))
            using (var mounted = ReverseView.Mount(new ReverseViewSettings(plain, opened) { ConfigPath = configPath }, view, loggers))
            {
                Show("ls", "-l", view);
                Console.WriteLine("   (names and contents are encrypted; gocryptfs.conf is the config, gocryptfs.diriv a per-directory IV)");

                Step("4. rsync -aHAX view/ remote/", "the first backup: everything is sent");
                Rsync(view, remote);

                Step("5. One 4 KiB block of a 4 MiB file changes; rsync again", "only that block's ciphertext changed, so rsync sends a small delta");
                Thread.Sleep(1100); // rsync's quick check compares whole-second mtimes: make the change land in a later second
                using (var f = new FileStream(Path.Combine(plain, "big.bin"), FileMode.Open, FileAccess.Write))
                {
                    f.Seek(4096 * 100, SeekOrigin.Begin);
                    f.Write(Encoding.ASCII.GetBytes("a change in block 100"));
                }
                Thread.Sleep(1100); // the view's attribute timeout (1 s)
                Rsync(view, remote);
            }

            Step("6. The operator's side", $"{remote} holds only ciphertext; gocryptfs (or 'reversecrypt mount') decrypts it with the password");
            Exec("gocryptfs", "-ro", "-q", "-nosyslog", "-passfile", passfile, remote, restored);
            try
            {
                Show("ls", "-l", restored);
                Step("7. diff -r plain/ restored/", "the decrypted copy equals the plaintext (minus the config file)");
                var diff = Exec("diff", "-r", "--no-dereference", "-x", ConfigLocator.ReverseName, plain, restored);
                Console.WriteLine(diff == 0 ? "   identical." : "   DIFFERENT (see above)");
                ok = diff == 0;
            }
            finally
            {
                Exec("fusermount3", "-u", restored);
            }
        }
        finally
        {
            if (keep) Console.WriteLine($"\nKept {work}.");
            else Directory.Delete(work, recursive: true);
        }
        Console.WriteLine(ok ? "\nDemo finished: backup, delta and restore all worked." : "\nDemo failed.");
        return ok ? ExitCodes.Ok : ExitCodes.DataDamaged;
    }

    private static byte[] Export(MasterKey key)
    {
        var bytes = new byte[MasterKey.Size];
        key.ExportTo(bytes);
        return bytes;
    }

    private static void MakeTree(string plain)
    {
        File.WriteAllText(Path.Combine(plain, "notes.txt"), "Private notes: the offsite operator must never read this.\n");
        var big = new byte[4 * 1024 * 1024];
        new Random(42).NextBytes(big);
        File.WriteAllBytes(Path.Combine(plain, "big.bin"), big);
        Directory.CreateDirectory(Path.Combine(plain, "photos", "2026"));
        File.WriteAllBytes(Path.Combine(plain, "photos", "2026", "beach.jpg"), big.AsSpan(0, 300_000).ToArray());
        File.CreateSymbolicLink(Path.Combine(plain, "latest-photo"), "photos/2026/beach.jpg");
        File.WriteAllText(Path.Combine(plain, "a file name that is quite long and has spaces, to show long names.txt"), "x\n");
    }

    private static void Rsync(string view, string remote)
    {
        var psi = new ProcessStartInfo("rsync") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { "-aHAX", "--numeric-ids", "--delete", "--no-whole-file", "--stats", view + "/", remote + "/" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        foreach (var line in p.StandardOutput.ReadToEnd().Split('\n'))
        {
            if (line.StartsWith("Number of regular files transferred", StringComparison.Ordinal) || line.StartsWith("Total bytes sent", StringComparison.Ordinal)
                || line.StartsWith("Literal data", StringComparison.Ordinal) || line.StartsWith("Matched data", StringComparison.Ordinal))
                Console.WriteLine("   " + line);
        }
        p.WaitForExit();
        if (p.ExitCode != 0) throw new CliException(ExitCodes.RsyncFailed, $"rsync failed with exit code {p.ExitCode}");
    }

    private static void Step(string title, string explanation)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine("   " + explanation);
    }

    private static void Show(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        foreach (var line in p.StandardOutput.ReadToEnd().TrimEnd().Split('\n')) Console.WriteLine("   " + line);
        p.WaitForExit();
    }

    private static int Exec(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));
}
