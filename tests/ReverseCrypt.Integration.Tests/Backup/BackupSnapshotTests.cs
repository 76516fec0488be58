using System.Text.Json;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// `backup --snapshots` and `verify` end to end: the real view, real rsync, a real sshd on 127.0.0.1 as the remote.
/// </summary>
[Category("Mount"), Category("Ssh")]
[NonParallelizable]
public class BackupSnapshotTests : SshBackupFixture
{
    [Test]
    public void SecondBackup_AfterOneBlockChanged_SendsLittle_SharesInodes_LatestRestoresExactly()
    {
        BackupTree.CreateHardCases(_s.Plain);
        _s.Init();
        var (first, summary1) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var snapshot1 = summary1.GetProperty("snapshot").GetString()!;
        Assert.That(summary1.GetProperty("bytes_sent").GetInt64(), Is.GreaterThan(BackupTree.BigSize), "the first run sends everything");
        Assert.That(_s.Latest, Is.EqualTo("snapshots/" + snapshot1));

        BackupTree.ChangeOneBlock(_s.Plain);
        var (second, summary2) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        var snapshot2 = summary2.GetProperty("snapshot").GetString()!;
        Assert.That(string.CompareOrdinal(snapshot2, snapshot1), Is.GreaterThan(0));
        Assert.That(summary2.GetProperty("bytes_sent").GetInt64(), Is.LessThan(256 * 1024), "one changed 4 KiB block must cost little");
        Assert.That(summary2.GetProperty("files_transferred").GetInt64(), Is.EqualTo(1));
        Assert.That(summary2.GetProperty("previous").GetString(), Is.EqualTo(snapshot1));
        Assert.That(summary2.GetProperty("duration_s").GetDouble(), Is.GreaterThan(0));
        Assert.That(_s.SnapshotNames, Is.EqualTo(new[] { snapshot1, snapshot2 }));
        Assert.That(_s.Latest, Is.EqualTo("snapshots/" + snapshot2));

        // Unchanged files are hard links between the snapshots; only the changed file has its own inode.
        var old = Path.Combine(_s.Snapshots, snapshot1);
        var now = Path.Combine(_s.Snapshots, snapshot2);
        var files = Directory.EnumerateFiles(now, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => new FileInfo(f).LinkTarget is null && Stat(f).Mode >> 12 == 0x8).ToList();
        var notShared = files.Where(f => Stat(f).Ino != Stat(Path.Combine(old, Path.GetRelativePath(now, f))).Ino)
            .Select(f => (Path.GetRelativePath(now, f), new FileInfo(f).Length)).ToList();
        Assert.That(files, Has.Count.GreaterThan(20));
        Assert.That(notShared, Has.Count.EqualTo(1), "files not shared: " + string.Join(", ", notShared));
        Assert.That(notShared[0].Length, Is.GreaterThan(BackupTree.BigSize), "the one new file is the changed big file");

        var restored = _s.RestoreWithGocryptfs(Path.Combine(_s.Dest, "latest"), "latest");
        Assert.That(BackupTree.Differences(_s.Plain, restored), Is.Empty, "restoring latest gives the plaintext exactly");
    }

    [Test]
    public void Verify_PassesOnIntactBackup_FailsNamingTheFile_AfterOneByteFlipped()
    {
        BackupTree.CreateHardCases(_s.Plain, withBigFile: false);
        _s.Init();
        var (backup, _) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(backup.ExitCode, Is.EqualTo(0), backup.ToString());

        var ok = _s.Cli("verify", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, _s.Plain, _s.Remote);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.ToString());
        Assert.That(ok.Stdout, Does.StartWith("OK"));

        // The encrypted copy of notes/flip-me.txt is the one file of its size (100000 + 18 + 25 * 32 bytes).
        var latest = Path.Combine(_s.Dest, "latest");
        var cipherFile = Directory.EnumerateFiles(latest, "*", SearchOption.AllDirectories)
            .Single(f => new FileInfo(f).Length == BackupTree.FlipSize + 18 + 25 * 32);
        // The exact (nanosecond) mtime is kept on a reference file: DateTime would round it to 100 ns.
        var reference = Path.Combine(_s.Root, "mtime-reference");
        File.WriteAllText(reference, "");
        Run.ProgramOk("touch", ["-m", "-r", cipherFile, reference]);
        using (var stream = new FileStream(cipherFile, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 50_000;
            var b = stream.ReadByte();
            stream.Position = 50_000;
            stream.WriteByte((byte)(b ^ 0x01));
        }
        Run.ProgramOk("touch", ["-m", "-r", reference, cipherFile]); // same size and time: only the checksum can tell

        var bad = _s.Cli("verify", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, _s.Plain, _s.Remote);
        Assert.That(bad.ExitCode, Is.EqualTo(30), bad.ToString());
        Assert.That(bad.Stdout, Does.Contain(BackupTree.FlipFile));
        Assert.That(bad.Stdout, Does.Contain("content differs"));
        Assert.That(bad.Stdout.Split('\n').Count(l => l.StartsWith("  ", StringComparison.Ordinal)), Is.EqualTo(1), "exactly one difference: " + bad.Stdout);

        var json = _s.Cli("verify", "--json", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, _s.Plain, _s.Remote);
        Assert.That(json.ExitCode, Is.EqualTo(30), json.ToString());
        var differences = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("differences");
        Assert.That(differences.GetArrayLength(), Is.EqualTo(1));
        Assert.That(differences[0].GetProperty("path").GetString(), Is.EqualTo(BackupTree.FlipFile));
    }

    [TestCase("INT")]
    [TestCase("TERM")]
    public void Signal_DuringBackup_UnmountsView_KeepsLatest_NextRunResumesAndCompletes(string signal)
    {
        BackupTree.CreateHardCases(_s.Plain, withBigFile: false);
        _s.Init();
        var (first, summary1) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var snapshot1 = summary1.GetProperty("snapshot").GetString()!;

        Assert.That(Run.Shell($"head -c 48M /dev/urandom > '{_s.Plain}/data/new-large.bin'").ExitCode, Is.EqualTo(0));
        // 48 MiB at 1 MiB/s: the signal must land while rsync still runs, even on a heavily loaded machine. At 2 MiB/s
        // one run under load ~20 exited 0 after the signal, most likely because the transfer had already ended.
        // --full: a change-driven run's snapshot starts as a hard-link copy, which is replaced rather than resumed
        // (ChangeDrivenTests); a full run's is resumed.
        using var process = _s.StartBackup("--snapshots", "--full", "--bwlimit", "1M", "--ssh", _ssh.SshCommand, _s.Plain, _s.Remote);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited && !(_s.ViewMounts.Count == 1 && IncompleteBytes() > (4 << 20)))
            Thread.Sleep(100);
        if (process.HasExited) Assert.Fail("the backup ended before it could be interrupted: " + stdout.Result + stderr.Result);
        Assert.That(_s.ViewMounts, Has.Count.EqualTo(1), "the view is mounted while rsync runs");
        Assert.That(Libc.Kill(process.Id, signal == "INT" ? Libc.SIGINT : Libc.SIGTERM), Is.EqualTo(0));
        Assert.That(process.WaitForExit(60_000), Is.True, "the backup did not stop after SIG" + signal);
        var output = $"exit {process.ExitCode}\n{stdout.Result}\n{stderr.Result}";
        Assert.That(process.ExitCode, Is.EqualTo(130), output);
        Assert.That(stderr.Result, Does.Contain("interrupted"));
        var summary = JsonDocument.Parse(stdout.Result).RootElement;
        Assert.That(summary.GetProperty("completed").GetBoolean(), Is.False);
        Assert.That(_s.ViewMounts, Is.Empty, "the view is unmounted after SIG" + signal);
        Assert.That(Directory.GetDirectories(_s.Runtime), Is.Empty, "the view's directory is removed");
        Assert.That(_s.Latest, Is.EqualTo("snapshots/" + snapshot1), "latest is not switched to an interrupted snapshot");
        var incomplete = _s.SnapshotNames.Where(n => n.EndsWith(".incomplete", StringComparison.Ordinal)).ToList();
        Assert.That(incomplete, Has.Count.EqualTo(1), output);

        var (resumed, summary3) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        var snapshot3 = summary3.GetProperty("snapshot").GetString()!;
        Assert.That(summary3.GetProperty("resumed_from").GetString() + ".incomplete", Is.EqualTo(incomplete[0]));
        Assert.That(_s.Latest, Is.EqualTo("snapshots/" + snapshot3));
        Assert.That(_s.SnapshotNames, Is.EqualTo(new[] { snapshot1, snapshot3 }), "no incomplete snapshot is left");
        var restored = _s.RestoreWithGocryptfs(Path.Combine(_s.Dest, "latest"), "resumed");
        Assert.That(BackupTree.Differences(_s.Plain, restored), Is.Empty);

        long IncompleteBytes()
        {
            // rsync writes into its temporary directory outside the snapshot, then renames into it.
            var du = Run.Shell($"du -sbc '{_s.Snapshots}'/*.incomplete '{_s.Dest}/.reversecrypt/tmp' 2>/dev/null | tail -n1 | cut -f1");
            return long.TryParse(du.Stdout.Trim(), out var bytes) ? bytes : 0;
        }
    }

    [Category("TransportAgnostic")] // an ssh error: exit code and message
    [Test]
    public void UnreachableHost_ClearMessage_Exit41_NothingMounted()
    {
        BackupTree.CreateHardCases(_s.Plain, withBigFile: false);
        _s.Init();
        var (r, summary) = _s.Backup(_s.Remote, "--snapshots", "--ssh", SshServer.UnreachableSshCommand(SshServer.FreePort()));
        Assert.That(r.ExitCode, Is.EqualTo(41), r.ToString());
        Assert.That(r.Stderr, Does.Contain("cannot reach root@127.0.0.1").And.Contain("Connection refused"));
        Assert.That(summary.GetProperty("error").GetString(), Does.Contain("cannot reach"));
        Assert.That(_s.ViewMounts, Is.Empty);
        Assert.That(Directory.GetFileSystemEntries(_s.Dest), Is.Empty);
    }

    [Category("TransportAgnostic")] // an ssh error: exit code and message
    [Test]
    public void RejectedKey_ClearMessage_Exit41_NothingMounted()
    {
        BackupTree.CreateHardCases(_s.Plain, withBigFile: false);
        _s.Init();
        var (r, _) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.RejectedSshCommand);
        Assert.That(r.ExitCode, Is.EqualTo(41), r.ToString());
        Assert.That(r.Stderr, Does.Contain("Permission denied"));
        Assert.That(_s.ViewMounts, Is.Empty);
        Assert.That(Directory.GetFileSystemEntries(_s.Dest), Is.Empty);
    }

    [Category("TransportAgnostic")] // the retention policy
    [Test]
    public void Retention_SeriesOfRunsWithFakedDates_KeepsExactlyWhatThePolicySays()
    {
        File.WriteAllText(Path.Combine(_s.Plain, "file.txt"), "v0");
        _s.Init();
        string[] policy = ["--keep-daily", "3", "--keep-weekly", "2", "--keep-monthly", "2"];
        string[] dates =
        [
            "2025-01-10T02:00:00Z", "2025-01-31T02:00:00Z", "2025-02-14T02:00:00Z", "2025-02-27T02:00:00Z",
            "2025-03-03T02:00:00Z", "2025-03-05T02:00:00Z", "2025-03-05T14:00:00Z", "2025-03-10T02:00:00Z",
            "2025-03-11T02:00:00Z",
        ];
        string[] names = [.. dates.Select(d => DateTime.Parse(d, null, System.Globalization.DateTimeStyles.AdjustToUniversal).ToString("yyyy-MM-dd'T'HHmmss'Z'", null))];
        for (var i = 0; i < dates.Length; i++)
        {
            File.WriteAllText(Path.Combine(_s.Plain, "file.txt"), $"v{i + 1}");
            var (r, summary) = _s.Backup(_s.Remote, ["--snapshots", "--ssh", _ssh.SshCommand, "--now", dates[i], .. policy]);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
            Assert.That(summary.GetProperty("snapshot").GetString(), Is.EqualTo(names[i]));
            Assert.That(_s.Latest, Is.EqualTo("snapshots/" + names[i]));
            if (i == 3)
            {
                // Jan 10 is neither among the 3 newest days, the 2 newest weeks (W07, W09) nor the 2 newest months (newest of Feb and Jan: Jan 31).
                Assert.That(_s.SnapshotNames, Is.EqualTo(new[] { names[1], names[2], names[3] }));
            }
        }
        // Daily: Mar 11, Mar 10, Mar 5 (14:00, the newest of that day). Weekly: W11 -> Mar 11, W10 -> Mar 5 14:00.
        // Monthly: March -> Mar 11, February -> Feb 27.
        Assert.That(_s.SnapshotNames, Is.EqualTo(new[] { names[3], names[6], names[7], names[8] }));
        var restored = _s.RestoreWithGocryptfs(Path.Combine(_s.Snapshots, names[3]), "feb27");
        Assert.That(File.ReadAllText(Path.Combine(restored, "file.txt")), Is.EqualTo("v4"), "a kept snapshot is a whole tree on its own");
    }

    private static unsafe Libc.StatxBuffer Stat(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            Assert.That(Libc.StatxZ(Libc.AT_FDCWD, p, Libc.AT_SYMLINK_NOFOLLOW, out var st), Is.EqualTo(Errno.OK), path);
            return st;
        }
    }
}
