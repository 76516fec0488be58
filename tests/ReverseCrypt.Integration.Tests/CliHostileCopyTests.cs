using System.Diagnostics;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Integration.Tests;

/// <summary>
/// Issue 12, points 5 and 6, through the CLI: a copy of our reverse view holding a FIFO, a character device, a block
/// device and a setuid file, and a hostile copy with a block device planted in place of a file's ciphertext (its
/// encrypted name kept). restore creates device nodes and FIFOs only with --devices and lists what it created; fsck
/// lists them; the forward mount is nodev and nosuid; an interrupted restore says so.
/// </summary>
[Category("Mount")]
public class CliHostileCopyTests
{
    private const string Password = "hostile copy password";
    private TempDir _tmp = null!;
    private string _passfile = null!;
    private string _plain = null!;
    private string _copy = null!;
    private string _hostile = null!;
    private string _victimCipherPath = null!;

    [OneTimeSetUp]
    public void MakeCopies()
    {
        Require.Root();
        Require.Fuse();
        Require.Tool("rsync");
        _tmp = new TempDir();
        _passfile = _tmp.File("pass", Password + "\n");
        _plain = _tmp.Sub("plain");
        Run.Ok($"cd {Run.Quote(_plain)} && echo data > a.txt && echo 'the victim' > victim.txt && mkfifo fifo && mknod null c 1 3 "
               + "&& mknod loop200 b 7 200 && printf '#!/bin/sh\\n' > suid && chmod 4755 suid && printf x > \"$(printf 'sgid-\\377')\" "
               + "&& chmod 2750 \"$(printf 'sgid-\\377')\"");
        Cli("init", "--reverse", "--scryptn", "10", "--passfile", _passfile, _plain);
        _copy = _tmp.Sub("copy");
        CopyOfView(_plain, _copy);
        _hostile = _tmp.Sub("hostile");
        Run.Ok($"cp -a {Run.Quote(_copy + "/.")} {Run.Quote(_hostile + "/")}");
        _victimCipherPath = Cli("path", "--passfile", _passfile, "--encrypt", "victim.txt", _hostile).Stdout.Trim();
        var planted = Path.Combine(_hostile, _victimCipherPath);
        File.Delete(planted);
        Run.Ok($"mknod -m 0666 {Run.Quote(planted)} b 254 0");
    }

    [OneTimeTearDown]
    public void TearDown() => _tmp?.Dispose();

    private static ProcessResult Cli(params string[] args)
    {
        var r = Run.Cli(args);
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        return r;
    }

    /// <summary>mount --reverse, rsync -aHAX of the view, unmount (as a user backs up by hand).</summary>
    private void CopyOfView(string plain, string copy)
    {
        var view = _tmp.Sub("view-" + Path.GetFileName(copy));
        Cli("mount", "--reverse", "--passfile", _passfile, plain, view);
        try
        {
            var rsync = Run.Program("rsync", ["-aHAX", "--modify-window=-1", "--numeric-ids", view + "/", copy + "/"], timeout: TimeSpan.FromMinutes(5));
            Assert.That(rsync.ExitCode, Is.EqualTo(0), rsync.ToString());
        }
        finally
        {
            Assert.That(Run.Cli("unmount", view).ExitCode, Is.EqualTo(0));
        }
    }

    private static string? Node(string path)
    {
        var r = Run.Shell($"stat -c '%F %t:%T %a' {Run.Quote(path)}");
        return r.ExitCode == 0 ? r.Stdout.Trim() : null;
    }

    [Test]
    public void Restore_WithoutDevices_SkipsAndListsEachDeviceAndFifo_Exit30()
    {
        var target = _tmp.Sub("restored-plain");

        var r = Run.Cli("restore", "--passfile", _passfile, _copy, target);

        Assert.That(r.ExitCode, Is.EqualTo(30), r.ToString());
        var skipped = r.Stderr.Split('\n').Where(l => l.StartsWith("SKIPPED ", StringComparison.Ordinal)).ToList();
        Assert.That(skipped, Has.Count.EqualTo(3), r.ToString());
        Assert.That(skipped[0], Does.Match(@"^SKIPPED fifo \([A-Za-z0-9_-]+\): FIFO, mode 0644, owner 0:0: not created \(restore --devices creates it\)$"));
        Assert.That(skipped[1], Does.Match(@"^SKIPPED loop200 \(.+\): block device 7:200, mode 0644, owner 0:0: not created"));
        Assert.That(skipped[2], Does.Match(@"^SKIPPED null \(.+\): character device 1:3, mode 0644, owner 0:0: not created"));
        Assert.That(r.Stdout, Does.Contain("Setuid/setgid files, device nodes and FIFOs in the target (2):\n"
                                           + "  sgid-\\xff: setgid file, mode 2750, owner 0:0\n"
                                           + "  suid: setuid file, mode 4755, owner 0:0\n"));
        Assert.That(r.Stdout, Does.Contain("; 0 problems; 3 device nodes/FIFOs skipped (restore --devices creates them)."));
        Assert.That(Node(Path.Combine(target, "fifo")), Is.Null);
        Assert.That(Node(Path.Combine(target, "null")), Is.Null);
        Assert.That(Node(Path.Combine(target, "loop200")), Is.Null);
        Assert.That(Node(Path.Combine(target, "suid")), Is.EqualTo("regular file 0:0 4755"));
    }

    [Test]
    public void Restore_WithDevices_CreatesThemAndListsThem_Exit0()
    {
        var target = _tmp.Sub("restored-devices");

        var r = Run.Cli("restore", "--devices", "--passfile", _passfile, _copy, target);

        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stderr, Does.Not.Contain("SKIPPED"));
        Assert.That(r.Stdout, Does.Contain("Setuid/setgid files, device nodes and FIFOs in the target (5):\n"
                                           + "  fifo: FIFO, mode 0644, owner 0:0\n"
                                           + "  loop200: block device 7:200, mode 0644, owner 0:0\n"
                                           + "  null: character device 1:3, mode 0644, owner 0:0\n"
                                           + "  sgid-\\xff: setgid file, mode 2750, owner 0:0\n"
                                           + "  suid: setuid file, mode 4755, owner 0:0\n"), r.ToString());
        Assert.That(Node(Path.Combine(target, "fifo")), Is.EqualTo("fifo 0:0 644"));
        Assert.That(Node(Path.Combine(target, "null")), Is.EqualTo("character special file 1:3 644"));
        Assert.That(Node(Path.Combine(target, "loop200")), Is.EqualTo("block special file 7:c8 644"));
        // diff -r calls two FIFOs or devices different whatever they are: they are compared by stat above.
        var diff = Run.Shell($"diff -r --no-dereference -x .gocryptfs.reverse.conf -x fifo -x null -x loop200 {Run.Quote(_plain)} {Run.Quote(target)}");
        Assert.That(diff.ExitCode, Is.EqualTo(0), diff.ToString());
    }

    [Test]
    public void HostileCopy_PlantedBlockDevice_IsNotCreatedWithoutDevices_AndFsckListsIt()
    {
        var fsck = Run.Cli("fsck", "--passfile", _passfile, _hostile);

        Assert.That(fsck.ExitCode, Is.EqualTo(0), "a device node is legitimate in the format: " + fsck);
        Assert.That(fsck.Stdout, Does.Contain("SPECIAL victim.txt: block device 254:0, mode 0666, owner 0:0\n"));
        Assert.That(fsck.Stdout, Does.Contain("; 6 setuid/setgid files, device nodes and FIFOs (listed as SPECIAL, not damage): clean."));

        var target = _tmp.Sub("restored-hostile");
        var r = Run.Cli("restore", "--passfile", _passfile, _hostile, target);

        Assert.That(r.ExitCode, Is.EqualTo(30), r.ToString());
        Assert.That(r.Stderr, Does.Contain($"SKIPPED victim.txt ({_victimCipherPath}): block device 254:0, mode 0666, owner 0:0: not created"));
        Assert.That(Node(Path.Combine(target, "victim.txt")), Is.Null, "the planted device node was not created");
        Assert.That(File.ReadAllText(Path.Combine(target, "a.txt")), Is.EqualTo("data\n"), "the rest was restored");

        var withDevices = Run.Cli("restore", "--devices", "--passfile", _passfile, _hostile, _tmp.Sub("restored-hostile-devices"));

        Assert.That(withDevices.ExitCode, Is.EqualTo(0), withDevices.ToString());
        Assert.That(withDevices.Stdout, Does.Contain("  victim.txt: block device 254:0, mode 0666, owner 0:0\n"), "created on request, and listed");
    }

    [Test]
    public void ForwardMount_IsNodevAndNosuid_DeviceNodesCannotBeOpened()
    {
        var mnt = _tmp.Sub("forward");
        Cli("mount", "--passfile", _passfile, _hostile, mnt);
        try
        {
            var line = File.ReadAllLines("/proc/self/mountinfo").Single(l => l.Split(' ')[4] == mnt);
            var options = line.Split(' ')[5].Split(',');
            Assert.That(options, Does.Contain("nodev").And.Contain("nosuid").And.Contain("ro"), line);
            Assert.That(Node(Path.Combine(mnt, "victim.txt")), Is.EqualTo("block special file fe:0 666"), "the node is shown");
            var open = Run.Shell($"head -c 1 {Run.Quote(Path.Combine(mnt, "victim.txt"))}");
            Assert.That(open.ExitCode, Is.Not.Zero);
            Assert.That(open.Stderr, Does.Contain("Permission denied"), open.ToString());
            Assert.That(Run.Shell($"head -c 1 {Run.Quote(Path.Combine(mnt, "null"))}").Stderr, Does.Contain("Permission denied"));
            Assert.That(File.ReadAllText(Path.Combine(mnt, "a.txt")), Is.EqualTo("data\n"), "files still read");
        }
        finally
        {
            Assert.That(Run.Cli("unmount", mnt).ExitCode, Is.EqualTo(0));
        }
    }

    private const int SIGSTOP = 19, SIGCONT = 18;

    [Test]
    public void Restore_Interrupted_SaysSo_AndTheSameCommandResumes()
    {
        var plain = _tmp.Sub("plain-big");
        Run.Ok($"cd {Run.Quote(plain)} && mkdir small && for i in $(seq 200); do head -c 20000 /dev/urandom > small/$i; done "
               + "&& truncate -s 1G zsparse && echo end >> zsparse");
        File.Copy(Path.Combine(_plain, ".gocryptfs.reverse.conf"), Path.Combine(plain, ".gocryptfs.reverse.conf"));
        var copy = _tmp.Sub("copy-big");
        CopyOfView(plain, copy);
        var target = Path.Combine(_tmp.Path, "restored-big");
        string[] args = ["restore", "--passfile", _passfile, copy, target];

        using var process = Run.StartCli(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // The target is created after the signal handlers are in place. The restore is stopped the moment it
            // appears and SIGINT is queued before it continues, so the signal lands with nearly all of the work still
            // ahead: how fast the restore is (the 1 GiB file is mostly a hole: 1.5 s on a busy machine) or how late
            // this thread runs no longer decides whether it lands before the end.
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(target) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(1))
            {
                Thread.Sleep(2);
            }
            Assert.That(Libc.Kill(process.Id, SIGSTOP), Is.Zero);
            Assert.That(Directory.Exists(target), Is.True, "the restore created its target");
            Assert.That(Libc.Kill(process.Id, Libc.SIGINT), Is.Zero);
            Assert.That(Libc.Kill(process.Id, SIGCONT), Is.Zero);
            Assert.That(process.WaitForExit(60_000), Is.True, "exits after SIGINT");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }
        }
        var result = $"exit {process.ExitCode}\n--- stdout\n{stdout.Result}\n--- stderr\n{stderr.Result}";
        Assert.That(process.ExitCode, Is.EqualTo(130), result);
        var last = stderr.Result.TrimEnd('\n').Split('\n')[^1];
        Assert.That(last, Does.Match(@"^reversecrypt: interrupted: \d+ files restored in this run, the rest not yet; run the same command again to resume"),
            result);
        Assert.That(stdout.Result, Does.StartWith("Restored "), "the normal summary is printed too");

        var again = Run.Cli(args);

        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        var diff = Run.Shell($"diff -r --no-dereference -x .gocryptfs.reverse.conf {Run.Quote(plain)} {Run.Quote(target)}");
        Assert.That(diff.ExitCode, Is.EqualTo(0), diff.ToString());
    }
}
