using System.Diagnostics;
using System.Text.Json;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// A backup that says "done" always restores, whatever happens to the destination or to the backup process: a full
/// destination (bytes or inodes, on a real tmpfs) fails the run and leaves latest alone; a run killed with SIGKILL at
/// several moments leaves no process behind and the next run commits a clean snapshot; two spellings of one
/// destination never run together; a damaged file on the destination is healed by verify --repair without touching
/// the older snapshot that shares it. Real view, real rsync, a real sshd on 127.0.0.1, real gocryptfs as the oracle.
/// </summary>
[Category("Mount"), Category("Ssh")]
[NonParallelizable]
public class BackupTrustTests : SshBackupFixture
{
    private const int DestinationFailed = 45;
    private const int Busy = 44;

    private readonly List<Process> _started = [];

    [TearDown]
    public void TearDown()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
        }
        _started.Clear();
    }

    [Test]
    public void DestinationOutOfInodes_Fails45_LatestUnchanged_EarlierSnapshotRestores_ThenCompletesWithRoom()
    {
        MountTmpfs(_s.Dest, "size=64m,nr_inodes=400");
        WriteFiles("first", 20, 1000);
        _s.Init();
        var (first, summary1) = _s.Backup(_s.Dest, "--snapshots");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var snapshot1 = summary1.GetProperty("snapshot").GetString()!;
        var expected1 = CopyOfPlain("expected1");

        WriteFiles("second", 500, 100);
        var (full, summary2) = _s.Backup(_s.Dest, "--snapshots");
        Assert.That(full.ExitCode, Is.EqualTo(DestinationFailed), full.ToString());
        Assert.That(summary2.GetProperty("completed").GetBoolean(), Is.False);
        Assert.That(summary2.GetProperty("error").GetString(), Does.Contain("full").And.Contain("No space left on device"));
        Assert.That(full.Stderr.Split('\n').Count(l => l.StartsWith("reversecrypt:", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(_s.Latest, Is.EqualTo("snapshots/" + snapshot1), "latest stays on the last complete snapshot");
        Assert.That(_s.SnapshotNames.Count(n => n.EndsWith(".incomplete", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(BackupTree.Differences(expected1, _s.RestoreWithGocryptfs(Path.Combine(_s.Snapshots, snapshot1), "one")), Is.Empty);

        Run.ProgramOk("mount", ["-o", "remount,nr_inodes=4000", _s.Dest]);
        var (next, summary3) = _s.Backup(_s.Dest, "--snapshots");
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        var snapshot3 = summary3.GetProperty("snapshot").GetString()!;
        Assert.That(_s.Latest, Is.EqualTo("snapshots/" + snapshot3));
        AssertPureTree(Path.Combine(_s.Snapshots, snapshot3));
        Assert.That(BackupTree.Differences(_s.Plain, _s.RestoreWithGocryptfs(Path.Combine(_s.Snapshots, snapshot3), "three")), Is.Empty);
    }

    [Test]
    public void DestinationOutOfBytes_OverSsh_Fails45_NamingNoSpace_ThenCompletesWithRoom()
    {
        MountTmpfs(_s.Dest, "size=4m");
        WriteFiles("small", 5, 10_000);
        _s.Init();
        var (first, summary1) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var snapshot1 = summary1.GetProperty("snapshot").GetString()!;
        var expected1 = CopyOfPlain("expected1");

        File.WriteAllBytes(Path.Combine(_s.Plain, "big.bin"), BackupTree.RandomBytes(12 << 20));
        var (full, summary2) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(full.ExitCode, Is.EqualTo(DestinationFailed), full.ToString());
        Assert.That(summary2.GetProperty("error").GetString(), Does.Contain("No space left on device").And.Not.Contain("Broken pipe"));
        Assert.That(_s.Latest, Is.EqualTo("snapshots/" + snapshot1));
        Assert.That(summary2.GetProperty("pruned").GetArrayLength(), Is.EqualTo(0));
        Assert.That(BackupTree.Differences(expected1, _s.RestoreWithGocryptfs(Path.Combine(_s.Snapshots, snapshot1), "one")), Is.Empty);

        Run.ProgramOk("mount", ["-o", "remount,size=64m", _s.Dest]);
        var (next, _) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        AssertPureTree(Path.Combine(_s.Dest, "latest"));
        Assert.That(BackupTree.Differences(_s.Plain, _s.RestoreWithGocryptfs(Path.Combine(_s.Dest, "latest"), "two")), Is.Empty);
    }

    /// <summary>
    /// A change-driven run starts rsync and then begins its snapshot (the hard-link copy of the previous one) while
    /// rsync connects. When begin fails, here because the copy's directories find no free inode, the run fails with
    /// exit 45 and one line, that rsync is stopped before it got a list (no rsync of the run is left, locally or on the
    /// destination), latest stays, and the next run with room completes and restores exactly.
    /// </summary>
    [Test]
    public void ChangeDrivenRun_WhoseBeginFails_Exits45_LeavesNoRsync_AndTheNextRunCompletes()
    {
        MountTmpfs(_s.Dest, "size=64m,nr_inodes=4000");
        for (var d = 0; d < 40; d++) WriteFiles($"d{d:D2}", 1, 100);
        _s.Init();
        var tag = Path.GetFileNameWithoutExtension(DestinationLock.PathOf(BackupDestination.Parse(_s.Remote)))["backup-".Length..];
        var (first, summary1) = _s.Backup(_s.Remote, "--snapshots", "--snapshot-mode", "hardlink", "--ssh", _ssh.SshCommand);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var snapshot1 = summary1.GetProperty("snapshot").GetString()!;
        var expected1 = CopyOfPlain("expected1");

        // Room for 20 more inodes: the hard-link copy needs one per directory (41).
        var used = long.Parse(Run.ProgramOk("df", ["--output=iused", _s.Dest]).Stdout.Split('\n')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Run.ProgramOk("mount", ["-o", $"remount,nr_inodes={used + 20}", _s.Dest]);
        File.WriteAllBytes(Path.Combine(_s.Plain, "d07", "f0000"), BackupTree.RandomBytes(100));
        var (failed, summary2) = _s.Backup(_s.Remote, "--snapshots", "--snapshot-mode", "hardlink", "--ssh", _ssh.SshCommand);
        Assert.That(failed.ExitCode, Is.EqualTo(DestinationFailed), failed.ToString());
        Assert.That(summary2.GetProperty("run").GetString(), Does.StartWith("incremental"), "a change-driven run");
        Assert.That(summary2.GetProperty("error").GetString(), Does.Contain("creating the snapshot directory").And.Contain("No space left on device"));
        Assert.That(failed.Stderr.Split('\n').Count(l => l.StartsWith("reversecrypt:", StringComparison.Ordinal)), Is.EqualTo(1), failed.Stderr);
        Assert.That(_s.Latest, Is.EqualTo("snapshots/" + snapshot1));
        Assert.That(LeftoverProcesses.Find(tag), Is.Empty, "a process of the failed run is still there");
        var clock = Stopwatch.StartNew();
        while (Run.Shell($"pgrep -f '^[r]sync --server .*{_s.Dest}' || true").Stdout.Trim().Length > 0)
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the failed run's rsync still runs on the destination");
            Thread.Sleep(50);
        }
        Assert.That(BackupTree.Differences(expected1, _s.RestoreWithGocryptfs(Path.Combine(_s.Snapshots, snapshot1), "one")), Is.Empty);

        Run.ProgramOk("mount", ["-o", "remount,nr_inodes=4000", _s.Dest]);
        var (next, summary3) = _s.Backup(_s.Remote, "--snapshots", "--snapshot-mode", "hardlink", "--ssh", _ssh.SshCommand);
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(_s.Latest, Is.EqualTo("snapshots/" + summary3.GetProperty("snapshot").GetString()));
        Assert.That(_s.SnapshotNames.Where(n => n.EndsWith(".incomplete", StringComparison.Ordinal)), Is.Empty);
        AssertPureTree(Path.Combine(_s.Dest, "latest"));
        Assert.That(BackupTree.Differences(_s.Plain, _s.RestoreWithGocryptfs(Path.Combine(_s.Dest, "latest"), "three")), Is.Empty);
    }

    /// <summary>The moment a run is killed: when rsync appears, once rsync reads a file of the view, once data has
    /// reached the snapshot. Each moment is an event the test waits for, not a sleep.</summary>
    public enum KillMoment
    {
        RsyncStarted,
        RsyncRunning,
        DataArrived,
    }

    [TestCase(false)]
    [TestCase(true)]
    public void KilledRun_AtSeveralMoments_LeavesNoProcess_AndTheNextRunCommitsACleanSnapshot(bool remote)
    {
        var dest = remote ? _s.Remote : _s.Dest;
        var ssh = remote ? new[] { "--ssh", _ssh.SshCommand } : [];
        Directory.CreateDirectory(Path.Combine(_s.Plain, "data"));
        File.WriteAllBytes(Path.Combine(_s.Plain, "data", "big.bin"), BackupTree.RandomBytes(6 << 20));
        WriteFiles("small", 30, 2000);
        _s.Init();
        var tag = Path.GetFileNameWithoutExtension(DestinationLock.PathOf(BackupDestination.Parse(dest)))["backup-".Length..];

        foreach (var moment in Enum.GetValues<KillMoment>())
        {
            // A change, so that each round transfers something again.
            File.WriteAllBytes(Path.Combine(_s.Plain, "data", "big.bin"), BackupTree.RandomBytes(6 << 20));
            var run = _s.StartBackup(["--snapshots", "--bwlimit", "2M", .. ssh, _s.Plain, dest]);
            _started.Add(run);
            ProcessTree.WaitForRsync(run);
            if (moment == KillMoment.RsyncRunning)
                ProcessTree.WaitUntil(() => _s.RsyncReadsAViewFile(run), run, "rsync has a file of the view open");
            if (moment == KillMoment.DataArrived)
                ProcessTree.WaitUntil(() => IncompleteHoldsData(), run, "data reaches the incomplete snapshot or the temp directory");
            run.Kill();
            run.WaitForExit();

            // The next run starts at once, while rsync's own children may still be ending.
            var (next, summary) = _s.Backup(dest, ["--snapshots", .. ssh]);
            Assert.That(next.ExitCode, Is.EqualTo(0), $"{moment}: {next}");
            Assert.That(summary.GetProperty("completed").GetBoolean(), Is.True);
            Assert.That(LeftoverProcesses.Find(tag), Is.Empty, $"{moment}: a process of a run is still there");
            AssertPureTree(Path.Combine(_s.Dest, "latest"));
            var fsck = _s.Cli("fsck", "--passfile", _s.Passfile, Path.Combine(_s.Dest, "latest"));
            Assert.That(fsck.ExitCode, Is.EqualTo(0), $"{moment}: {fsck}");
            Assert.That(BackupTree.Differences(_s.Plain, _s.RestoreWithGocryptfs(Path.Combine(_s.Dest, "latest"), moment.ToString())), Is.Empty,
                $"{moment}: the snapshot after the kill restores exactly");
        }
    }

    [Category("TransportAgnostic")] // the destination lock
    [TestCase("root@localhost:{0}", "root@127.0.0.1:{0}")]
    [TestCase("{0}", "/{0}")]
    public void TwoSpellingsOfOneDestination_NeverRunTogether(string firstSpelling, string secondSpelling)
    {
        File.WriteAllBytes(Path.Combine(_s.Plain, "big.bin"), BackupTree.RandomBytes(4 << 20));
        _s.Init();
        var first = string.Format(System.Globalization.CultureInfo.InvariantCulture, firstSpelling, _s.Dest);
        var second = string.Format(System.Globalization.CultureInfo.InvariantCulture, secondSpelling, _s.Dest);
        var run = _s.StartBackup(["--snapshots", "--bwlimit", "500K", "--ssh", _ssh.SshCommand, _s.Plain, first]);
        _started.Add(run);
        var rsync = ProcessTree.WaitForRsync(run);
        Run.Program("kill", ["-STOP", .. rsync.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        try
        {
            var other = _s.Cli("backup", "--snapshots", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, _s.Plain, second);
            Assert.That(other.ExitCode, Is.EqualTo(Busy), other.ToString());
            Assert.That(other.Stderr, Does.Contain("is running"));
            Assert.That(_s.SnapshotNames, Has.Length.EqualTo(1), "the refused run created no snapshot");
        }
        finally
        {
            Run.Program("kill", ["-CONT", .. rsync.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
        Assert.That(run.WaitForExit(TimeSpan.FromMinutes(3)), Is.True);
        run.WaitForExit();
        Assert.That(run.ExitCode, Is.EqualTo(0), run.StandardError.ReadToEnd());
        var (after, _) = _s.Backup(second, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(after.ExitCode, Is.EqualTo(0), "once the first run ended the lock is free: " + after);
    }

    [Test]
    public void FlippedByteOnTheRemote_VerifyFinds_RepairHeals_OlderSnapshotIsNamedAndUntouched()
    {
        File.WriteAllBytes(Path.Combine(_s.Plain, "victim.bin"), BackupTree.RandomBytes(100_000));
        File.WriteAllBytes(Path.Combine(_s.Plain, "bystander.bin"), BackupTree.RandomBytes(5000));
        WriteFiles("other", 5, 3000);
        _s.Init();
        var ssh = new[] { "--ssh", _ssh.SshCommand };
        var (first, summary1) = _s.Backup(_s.Remote, ["--snapshots", .. ssh]);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var (second, summary2) = _s.Backup(_s.Remote, ["--snapshots", .. ssh]);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        var older = Path.Combine(_s.Snapshots, summary1.GetProperty("snapshot").GetString()!);
        var latest = Path.Combine(_s.Snapshots, summary2.GetProperty("snapshot").GetString()!);

        var cipher = Directory.EnumerateFiles(latest).Single(f => new FileInfo(f).Length > 100_000);
        var olderCopy = Path.Combine(older, Path.GetFileName(cipher));
        Assert.That(Inode(cipher), Is.EqualTo(Inode(olderCopy)), "the unchanged file is shared with the older snapshot");
        // The exact (nanosecond) mtime is kept on a reference file: DateTime would round it to 100 ns.
        var reference = Path.Combine(_s.Root, "mtime-reference");
        File.WriteAllText(reference, "");
        Run.ProgramOk("touch", ["-m", "-r", cipher, reference]);
        using (var file = new FileStream(cipher, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 50_000;
            var b = file.ReadByte();
            file.Position = 50_000;
            file.WriteByte((byte)(b ^ 0x01));
        }
        Run.ProgramOk("touch", ["-m", "-r", reference, cipher]);
        var damaged = File.ReadAllBytes(cipher);

        var verify = _s.Cli(["verify", "--passfile", _s.Passfile, .. ssh, _s.Plain, _s.Remote]);
        Assert.That(verify.ExitCode, Is.EqualTo(30), verify.ToString());
        Assert.That(verify.Stdout, Does.Contain("content differs: victim.bin"), "only the content differs: size and mtime were kept");

        var repair = _s.Cli(["verify", "--repair", "--json", "--passfile", _s.Passfile, .. ssh, _s.Plain, _s.Remote]);
        Assert.That(repair.ExitCode, Is.EqualTo(0), repair.ToString());
        var report = JsonDocument.Parse(repair.Stdout).RootElement;
        Assert.That(report.GetProperty("identical").GetBoolean(), Is.True);
        Assert.That(report.GetProperty("repaired").EnumerateArray().Select(e => e.GetProperty("path").GetString()), Is.EqualTo(new[] { "victim.bin" }));
        var shared = report.GetProperty("shared_with_older").EnumerateArray().ToList();
        Assert.That(shared, Has.Count.EqualTo(1));
        Assert.That(shared[0].GetProperty("snapshot").GetString(), Is.EqualTo(Path.GetFileName(older)));

        Assert.That(Inode(cipher), Is.Not.EqualTo(Inode(olderCopy)), "the repair wrote a new file");
        Assert.That(File.ReadAllBytes(olderCopy), Is.EqualTo(damaged), "the older snapshot's inode was not written to");
        // Only what differed was sent: the root's other files (the listed "." must not bring them along, which with
        // -I would send each again as a new inode) are still shared with the older snapshot.
        var others = Directory.EnumerateFiles(latest).Where(f => f != cipher).ToList();
        Assert.That(others, Has.Count.EqualTo(3), "bystander.bin, gocryptfs.conf, gocryptfs.diriv");
        foreach (var other in others)
            Assert.That(Inode(other), Is.EqualTo(Inode(Path.Combine(older, Path.GetFileName(other)))), $"{Path.GetFileName(other)} is still shared");
        var again = _s.Cli(["verify", "--passfile", _s.Passfile, .. ssh, _s.Plain, _s.Remote]);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        var fsck = _s.Cli("fsck", "--passfile", _s.Passfile, latest);
        Assert.That(fsck.ExitCode, Is.EqualTo(0), fsck.ToString());

        // The older snapshot is repaired the same way, by name.
        var olderRepair = _s.Cli(["verify", "--repair", "--snapshot", Path.GetFileName(older), "--passfile", _s.Passfile, .. ssh, _s.Plain, _s.Remote]);
        Assert.That(olderRepair.ExitCode, Is.EqualTo(0), olderRepair.ToString());
        Assert.That(_s.Cli("fsck", "--passfile", _s.Passfile, older).ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void AnIncompleteSnapshotOfAnOlderVersion_LosesItsRsyncPartialDirectory_BeforeItIsCommitted()
    {
        WriteFiles("f", 3, 5000);
        _s.Init();
        var (first, _) = _s.Backup(_s.Dest, "--snapshots");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var name = "2099-01-01T000000Z";
        var incomplete = Path.Combine(_s.Snapshots, name + ".incomplete");
        Run.ProgramOk("cp", ["-a", Path.Combine(_s.Dest, "latest") + "/.", incomplete]);
        var sub = Directory.GetDirectories(incomplete).First();
        Directory.CreateDirectory(Path.Combine(incomplete, ".rsync-partial"));
        Directory.CreateDirectory(Path.Combine(sub, ".rsync-partial"));
        File.WriteAllText(Path.Combine(sub, ".rsync-partial", "x"), "partial");

        var (next, summary) = _s.Backup(_s.Dest, "--snapshots");
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(summary.GetProperty("resumed_from").GetString(), Is.EqualTo(name));
        AssertPureTree(Path.Combine(_s.Dest, "latest"));
        Assert.That(_s.Cli("fsck", "--passfile", _s.Passfile, Path.Combine(_s.Dest, "latest")).ExitCode, Is.EqualTo(0));
    }

    /// <summary>Nothing but what a gocryptfs reverse tree holds: encrypted (base64url) names and gocryptfs.* files.</summary>
    private static void AssertPureTree(string root)
    {
        var foreign = Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(Path.GetFileName)
            .Where(n => n!.StartsWith('.'))
            .ToList();
        Assert.That(foreign, Is.Empty, $"entries in {root} that no gocryptfs tree holds");
    }

    private bool IncompleteHoldsData()
    {
        var temp = Path.Combine(_s.Dest, DestinationLease.StateDirectory, "tmp");
        var inTemp = Directory.Exists(temp) && Directory.EnumerateFiles(temp).Any(f => new FileInfo(f).Length > 0);
        var incomplete = Directory.Exists(_s.Snapshots) && Directory.GetDirectories(_s.Snapshots, "*.incomplete")
            .Any(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Any());
        return inTemp || incomplete;
    }

    private void MountTmpfs(string dir, string options)
    {
        Run.ProgramOk("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
        UnmountAfterTest(dir);
    }

    private void WriteFiles(string directory, int count, int size)
    {
        var dir = Path.Combine(_s.Plain, directory);
        Directory.CreateDirectory(dir);
        for (var i = 0; i < count; i++) File.WriteAllBytes(Path.Combine(dir, $"f{i:D4}"), BackupTree.RandomBytes(size));
    }

    private string CopyOfPlain(string name)
    {
        var copy = _s.Sub(name);
        Run.ProgramOk("cp", ["-a", _s.Plain + "/.", copy]);
        return copy;
    }

    /// <summary>The inode number, from GNU stat (not the product's own syscall layer).</summary>
    private static string Inode(string path) => Run.ProgramOk("stat", ["-c", "%i", path]).Stdout.Trim();
}
