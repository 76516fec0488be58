using System.Diagnostics;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// One backup per destination at a time: while a first run is held in its transfer (its rsync stopped with SIGSTOP),
/// a second run to the same DEST exits 44 at once, naming the first one's pid, and mounts nothing; once the first has
/// finished the next run works, and a killed run (SIGKILL) never blocks the next one. Self-contained: each run gets
/// its own RUNTIME_DIRECTORY, so the test can see which run mounted what.
/// </summary>
[Category("Mount")]
[Category("TransportAgnostic")] // the destination lock
[NonParallelizable]
public class BackupLockTests
{
    private const string Password = "lock test password";
    private const int Busy = 44;

    private readonly List<Process> _started = [];
    private TestDirectory _tmp = null!;
    private string _plain = null!;
    private string _dest = null!;
    private string _passfile = null!;

    [SetUp]
    public void SetUp()
    {
        Require.Tool("rsync");
        Require.Fuse();
        _tmp = new TestDirectory();
        _plain = _tmp.Sub("plain");
        _dest = Path.Combine(_tmp.Path, "dest");
        _passfile = _tmp.File("passfile", Password + "\n");
        // The big file sits below the top, so an rsync temp file left by a killed run is not at DEST's top.
        Directory.CreateDirectory(Path.Combine(_plain, "data"));
        File.WriteAllBytes(Path.Combine(_plain, "data", "big.bin"), BackupTree.RandomBytes(4 << 20));
        File.WriteAllText(Path.Combine(_plain, "notes.txt"), "notes\n");
        var init = Run.Cli("init", "--reverse", "--scryptn", "10", "--passfile", _passfile, _plain);
        Assert.That(init.ExitCode, Is.EqualTo(0), init.ToString());
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                Signal("CONT", ProcessTree.Descendants(process.Id));
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
        }
        _started.Clear();
        foreach (var dest in new[] { _dest, _dest + "-other" })
        {
            var lockFile = DestinationLock.PathOf(BackupDestination.Parse(dest));
            if (File.Exists(lockFile)) File.Delete(lockFile);
        }
        var left = Mounts.FuseMountsBelow(_tmp.Path);
        _tmp.Dispose();
        Assert.That(left, Is.Empty, "a backup left its view mounted");
    }

    [Test]
    public void SecondRunToTheSameDestination_ExitsBusyAtOnce_MountsNothing_AndTheNextRunWorks()
    {
        var firstRuntime = _tmp.Sub("run-first");
        var first = StartBackup(firstRuntime, _dest, "--bwlimit", "1M");
        var rsync = ProcessTree.WaitForRsync(first);
        Signal("STOP", rsync);
        Assert.That(Mounts.FuseMountsBelow(firstRuntime), Has.Count.EqualTo(1), "the first run's view is mounted");

        var secondRuntime = _tmp.Sub("run-second");
        var clock = Stopwatch.StartNew();
        var second = Backup(secondRuntime, _dest);
        Assert.That(second.ExitCode, Is.EqualTo(Busy), second.ToString());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "refused at once, not after the first run");
        Assert.That(second.Stderr.TrimEnd(), Does.StartWith("reversecrypt: ").And.Not.Contain('\n'));
        Assert.That(second.Stderr, Does.Contain($"another backup to {_dest} is running (pid {first.Id})"));
        Assert.That(second.Stdout, Is.Empty, "no summary: nothing was done");
        Assert.That(Mounts.FuseMountsBelow(secondRuntime), Is.Empty);
        Assert.That(Directory.GetFileSystemEntries(secondRuntime), Is.Empty, "no view directory was even created");

        // The same destination written differently: through a symlink, with a trailing slash.
        var link = Path.Combine(_tmp.Path, "dest-link");
        File.CreateSymbolicLink(link, _dest);
        var viaLink = Backup(secondRuntime, link + "/");
        Assert.That(viaLink.ExitCode, Is.EqualTo(Busy), viaLink.ToString());

        // Another destination is not locked.
        var other = Backup(secondRuntime, _dest + "-other");
        Assert.That(other.ExitCode, Is.EqualTo(0), other.ToString());

        Signal("CONT", rsync);
        Assert.That(first.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "the first run finished");
        first.WaitForExit();
        Assert.That(first.ExitCode, Is.EqualTo(0), $"first run: {first.StandardError.ReadToEnd()}");
        Assert.That(Mounts.FuseMountsBelow(firstRuntime), Is.Empty);

        var next = Backup(secondRuntime, _dest);
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(File.Exists(Path.Combine(_dest, "gocryptfs.conf")), "the copy is complete");
    }

    [Test]
    public void KilledRun_DoesNotBlockTheNextOne()
    {
        var runtime = _tmp.Sub("run");
        var first = StartBackup(runtime, _dest, "--bwlimit", "1M");
        var rsync = ProcessTree.WaitForRsync(first);
        Signal("KILL", [first.Id]);
        first.WaitForExit();
        Signal("KILL", rsync);

        // The same runtime directory: the next run also unmounts the view the killed one left.
        var next = Backup(runtime, _dest);
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(Mounts.FuseMountsBelow(runtime), Is.Empty);
        Assert.That(File.Exists(Path.Combine(_dest, "gocryptfs.conf")), "the copy is complete");
    }


    private static Dictionary<string, string> Environment(string runtime) => new() { ["RUNTIME_DIRECTORY"] = runtime };

    private ProcessResult Backup(string runtime, string dest) =>
        Run.Program(Repo.Launcher, ["backup", "--passfile", _passfile, _plain, dest], env: Environment(runtime),
            timeout: TimeSpan.FromMinutes(3));

    /// <summary>Starts `./reversecrypt backup` without waiting; its output is collected in the background.</summary>
    private Process StartBackup(string runtime, string dest, params string[] options)
    {
        var process = Run.StartCli(["backup", "--passfile", _passfile, .. options, _plain, dest], Environment(runtime));
        _started.Add(process);
        return process;
    }

    private static void Signal(string signal, IReadOnlyCollection<int> pids)
    {
        if (pids.Count == 0) return;
        Run.Program("kill", [$"-{signal}", .. pids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
    }
}

/// <summary>The exit code of a refused second backup is documented everywhere the table is.</summary>
public class BackupLockDocumentationTests
{
    [Test]
    public void ExitCode44_IsInTheHelpTheReadmeAndTheManPage()
    {
        var help = Run.Cli("--help");
        Assert.That(help.Stdout + help.Stderr, Does.Contain(" 44  another backup to the same destination is running"));
        Assert.That(File.ReadAllText(Path.Combine(Repo.Root, "README.md")),
            Does.Contain("| 44 | `DestinationBusy` | another backup to the same destination is running |"));
        Assert.That(File.ReadAllText(Path.Combine(Repo.Root, "packaging", "man", "reversecrypt.1")),
            Does.Contain(".B 44\nanother backup to the same destination is running"));
    }
}
