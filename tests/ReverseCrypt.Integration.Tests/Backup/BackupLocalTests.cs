using ReverseCrypt.Operations.Backup;
namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>A local destination (a USB disk): a plain mirror without snapshots, dry runs, and the safety checks.</summary>
[Category("Mount")]
[NonParallelizable]
public class BackupLocalTests : BackupFixture
{
    [SetUp]
    public void SetUp()
    {
        BackupTree.CreateHardCases(_s.Plain, withBigFile: false);
        _s.Init();
    }

    [Test]
    public void Mirror_ToLocalDirectory_VerifiesAndOpensWithGocryptfs()
    {
        var dest = Path.Combine(_s.Root, "usb", "backup");
        var (dry, drySummary) = _s.Backup(dest, "--dry-run");
        Assert.That(dry.ExitCode, Is.EqualTo(0), dry.ToString());
        Assert.That(drySummary.GetProperty("dry_run").GetBoolean(), Is.True);
        Assert.That(drySummary.GetProperty("files_transferred").GetInt64(), Is.GreaterThan(20));
        Assert.That(Directory.Exists(dest), Is.False, "a dry run creates nothing");

        var (r, summary) = _s.Backup(dest);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(summary.GetProperty("snapshot").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
        Assert.That(File.Exists(Path.Combine(dest, "gocryptfs.conf")), "the copy is self-describing");

        var verify = _s.Cli("verify", "--passfile", _s.Passfile, _s.Plain, dest);
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());

        File.Delete(Path.Combine(_s.Plain, "size1"));
        File.WriteAllText(Path.Combine(_s.Plain, "added.txt"), "new");
        var changed = _s.Cli("verify", "--passfile", _s.Passfile, _s.Plain, dest);
        Assert.That(changed.ExitCode, Is.EqualTo(30), changed.ToString());
        Assert.That(changed.Stdout, Does.Contain("only in the backup: size1").And.Contain("missing from the backup: added.txt"));

        var (again, _) = _s.Backup(dest);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        var restored = _s.RestoreWithGocryptfs(dest, "mirror");
        Assert.That(BackupTree.Differences(_s.Plain, restored), Is.Empty);
    }

    [Category("TransportAgnostic")] // the progress line
    [Test]
    public void OnATerminal_ShowsAProgressLine_ThenTheSummary()
    {
        Require.Tool("script");
        Assert.That(Run.Shell($"head -c 6M /dev/urandom > '{_s.Plain}/data/six.bin'").ExitCode, Is.EqualTo(0));
        var dest = Path.Combine(_s.Root, "tty");
        // script(1) gives the program a terminal; --bwlimit makes the transfer last a few progress updates.
        var command = $"RUNTIME_DIRECTORY='{_s.Runtime}' COLUMNS=120 '{Repo.Launcher}' backup --bwlimit 2M --passfile '{_s.Passfile}' '{_s.Plain}' '{dest}'";
        var r = Run.Program("script", ["-qec", command, "/dev/null"], timeout: TimeSpan.FromMinutes(3));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var screen = r.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.That(screen, Does.Match(@"\r\S+ [KM]iB +\d+%  [\d.]+ [KM]iB/s  ETA ~?\d+:\d\d:\d\d  files \d+"), "no progress line: " + screen);
        Assert.That(screen, Does.Contain("Backup of " + _s.Plain).And.Contain("files transferred:").And.Contain("bytes sent:"));
    }

    [Category("TransportAgnostic")] // a refused destination
    [Test]
    public void Mirror_RefusesADirectoryWithSomebodysFiles_Exit20()
    {
        var dest = _s.Sub("home");
        File.WriteAllText(Path.Combine(dest, "thesis.tex"), "years of work");
        var (r, _) = _s.Backup(dest);
        Assert.That(r.ExitCode, Is.EqualTo(20), r.ToString());
        Assert.That(r.Stderr, Does.Contain("refusing"));
        Assert.That(Directory.GetFileSystemEntries(dest), Is.EqualTo(new[] { Path.Combine(dest, "thesis.tex") }));
    }

    [Test]
    public void Excludes_AreLeftOut_AndVerifyNeedsTheSameExcludes()
    {
        var dest = Path.Combine(_s.Root, "excl");
        var (r, _) = _s.Backup(dest, "--exclude", "sub", "--exclude-wildcard", "*.txt");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var restored = _s.RestoreWithGocryptfs(dest, "excl");
        Assert.That(Directory.Exists(Path.Combine(restored, "sub")), Is.False);
        Assert.That(File.Exists(Path.Combine(restored, BackupTree.FlipFile)), Is.False);
        Assert.That(File.Exists(Path.Combine(restored, "size1")));
        var same = _s.Cli("verify", "--passfile", _s.Passfile, "--exclude", "sub", "--exclude-wildcard", "*.txt", _s.Plain, dest);
        Assert.That(same.ExitCode, Is.EqualTo(0), same.ToString());
        var without = _s.Cli("verify", "--passfile", _s.Passfile, _s.Plain, dest);
        Assert.That(without.ExitCode, Is.EqualTo(30), without.ToString());
    }

    [Test]
    public void SourceLatest_BacksUpTheNewestSubdirectory_WithAnOutsideConfig()
    {
        var daily = _s.Sub("daily");
        var config = Path.Combine(_s.Plain, ".gocryptfs.reverse.conf");
        var outside = Path.Combine(_s.Root, "srv.gocryptfs.conf");
        File.Copy(config, outside);
        foreach (var day in new[] { "2025-06-09", "2025-06-10" })
        {
            Directory.CreateDirectory(Path.Combine(daily, day));
            File.WriteAllText(Path.Combine(daily, day, "day.txt"), day);
        }
        var dest = Path.Combine(_s.Root, "fromlatest");
        var r = _s.Cli("backup", "--json", "--passfile", _s.Passfile, "--source-latest", daily, "--config", outside, dest);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(File.ReadAllBytes(Path.Combine(dest, "gocryptfs.conf")), Is.EqualTo(File.ReadAllBytes(outside)), "the view shows the outside config");
        var restored = _s.RestoreWithGocryptfs(dest, "latestday");
        Assert.That(File.ReadAllText(Path.Combine(restored, "day.txt")), Is.EqualTo("2025-06-10"));
    }

    [Category("TransportAgnostic")] // argument errors
    [Test]
    public void Usage_KeepWithoutSnapshots_Exit2_AndMissingSource_Exit20()
    {
        var dest = Path.Combine(_s.Root, "x");
        var keep = _s.Cli("backup", "--passfile", _s.Passfile, "--keep-daily", "3", _s.Plain, dest);
        Assert.That(keep.ExitCode, Is.EqualTo(2), keep.ToString());
        var missing = _s.Cli("backup", "--passfile", _s.Passfile, Path.Combine(_s.Root, "nope"), dest);
        Assert.That(missing.ExitCode, Is.EqualTo(20), missing.ToString());
        Assert.That(_s.ViewMounts, Is.Empty);
    }

    [Test]
    public void ARun_RemovesTheFileListsOfKilledRuns_NotThoseOfLiveOnes()
    {
        // A killed run leaves its rsync file list (cipher paths) in the shared runtime directory.
        var runtime = ViewRuntimeDirectory.SharedBase();
        Directory.CreateDirectory(runtime);
        using var gone = System.Diagnostics.Process.Start("true")!;
        gone.WaitForExit();
        var dead = Path.Combine(runtime, $"files-{gone.Id}-0badc0de.list");
        var live = Path.Combine(runtime, $"files-{Environment.ProcessId}-0badc0de.list");
        File.WriteAllText(dead, "x");
        File.WriteAllText(live, "x");
        try
        {
            var (r, _) = _s.Backup(Path.Combine(_s.Root, "lists"));
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
            Assert.That(File.Exists(dead), Is.False, "the list of a process that is gone is removed");
            Assert.That(File.Exists(live), Is.True, "the list of a live process is left alone");
        }
        finally
        {
            File.Delete(dead);
            File.Delete(live);
        }
    }

    [Test]
    public void Resume_OfHardLinkSnapshot_NeverChangesAnInodeAnOlderSnapshotHolds()
    {
        // An interrupted hardlink run leaves an incomplete snapshot whose files are the previous snapshot's inodes
        // (rsync --link-dest linked them; here a hard-link copy without the marker of a linked begin, which is never
        // resumed). If the source's metadata changed meanwhile, rsync resuming into it would chmod those inodes, and
        // so the older snapshot.
        var dest = Path.Combine(_s.Root, "hardlinked");
        var (first, summary1) = _s.Backup(dest, "--snapshots", "--snapshot-mode", "hardlink");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var snapshot1 = summary1.GetProperty("snapshot").GetString()!;
        var old = Path.Combine(dest, "snapshots", snapshot1);
        Assert.That(SnapshotName.TryParse(snapshot1, out var time), Is.True);
        var killed = SnapshotName.Format(time.AddSeconds(1));
        Assert.That(Run.Shell($"cp -al '{old}' '{dest}/snapshots/{killed}.incomplete'").ExitCode, Is.EqualTo(0));
        var before = Entries(old);

        Assert.That(Run.Shell($"chmod 600 '{_s.Plain}/size1' && chmod 700 '{_s.Plain}/data'").ExitCode, Is.EqualTo(0));
        var (resumed, summary2) = _s.Backup(dest, "--snapshots", "--snapshot-mode", "hardlink");

        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(summary2.GetProperty("resumed_from").GetString(), Is.EqualTo(killed));
        Assert.That(Entries(old), Is.EqualTo(before), "the older snapshot's entries kept their mode, owner, times and size");
        var restored = _s.RestoreWithGocryptfs(Path.Combine(dest, "latest"), "resumed-hardlinked");
        Assert.That(BackupTree.Differences(_s.Plain, restored), Is.Empty, "the resumed snapshot holds the new modes");

        static List<string> Entries(string root) => [.. Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Order(StringComparer.Ordinal)
            .Select(path =>
            {
                var st = Run.Shell($"stat -c '%f %u %g %s %Y' '{path}'");
                return Path.GetRelativePath(root, path) + " " + st.Stdout.Trim();
            })];
    }

    [Test]
    [Category("IoUring")]
    public void OverIoUring_RsyncRunsOnOneCpu_AndTheCopyIsComplete()
    {
        // Read, never written: tests/run switches it on for the io_uring pass and restores the machine's value.
        const string parameter = "/sys/module/fuse/parameters/enable_uring";
        if (!File.Exists(parameter) || File.ReadAllText(parameter).Trim() != "Y")
        {
            Require.Missing(parameter + " is not Y: this test runs in the io_uring pass (tests/run --transport io_uring)");
        }
        if (Environment.ProcessorCount < 2)
        {
            Require.Missing("a second CPU (with one there is nothing to pin rsync to)");
        }
        var dest = Path.Combine(_s.Root, "pinned");

        var (r, summary) = _s.Backup(dest);

        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(summary.GetProperty("rsync_cpu").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Number), r.ToString());
        Assert.That(summary.GetProperty("rsync_cpu").GetInt32(), Is.EqualTo(Environment.ProcessorCount - 1),
            "the last CPU this process may use");
        var restored = _s.RestoreWithGocryptfs(dest, "pinned-restored");
        Assert.That(BackupTree.Differences(_s.Plain, restored), Is.Empty);
    }
}
