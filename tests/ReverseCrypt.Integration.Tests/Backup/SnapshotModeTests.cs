namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// Snapshots by cloning, on real loop-mounted btrfs and XFS filesystems: the new snapshot starts as a btrfs snapshot
/// or a reflink copy of the previous one and rsync updates it in place, so one changed 4 KiB block of a 16 MiB file
/// costs about a block of disk (a control write of a whole file in the same test shows the measurement can tell),
/// while the older snapshot still holds the old bytes and keeps its metadata.
/// </summary>
[Category("Mount"), Category("Ssh")]
[NonParallelizable]
public class SnapshotModeTests : SshBackupFixture
{
    private const long BigSize = 16L << 20;


    [TestCase("btrfs", false)]
    [TestCase("xfs", false)]
    [TestCase("xfs", true)]
    public void OneChangedBlock_CostsAboutABlock_OlderSnapshotKeepsItsBytesAndModes(string fileSystem, bool remote)
    {
        var expectedMode = fileSystem == "btrfs" ? "btrfs" : "reflink";
        MountLoop(fileSystem, _s.Dest);
        var dest = remote ? _s.Remote : Path.Combine(_s.Dest, "backup");
        var destDir = Path.Combine(_s.Dest, remote ? "" : "backup");
        var ssh = remote ? new[] { "--ssh", _ssh.SshCommand } : [];
        var big = Path.Combine(_s.Plain, "big.bin");
        File.WriteAllBytes(big, BackupTree.RandomBytes((int)BigSize));
        var small = Path.Combine(_s.Plain, "small.txt");
        File.WriteAllText(small, "small\n");
        File.SetUnixFileMode(small, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _s.Init();

        var (first, summary1) = _s.Backup(dest, ["--snapshots", .. ssh]);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        Assert.That(summary1.GetProperty("snapshot_mode").GetString(), Is.EqualTo(expectedMode));
        var oldBytes = File.ReadAllBytes(big);

        // One 4 KiB block in the middle of the big file, and a metadata-only change of the small one.
        using (var file = new FileStream(big, FileMode.Open, FileAccess.Write))
        {
            file.Position = 40 * 4096;
            file.Write(BackupTree.RandomBytes(4096));
        }
        File.SetUnixFileMode(small, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var before = UsedBytes(_s.Dest);
        var (second, summary2) = _s.Backup(dest, ["--snapshots", .. ssh]);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(summary2.GetProperty("snapshot_mode").GetString(), Is.EqualTo(expectedMode));
        Assert.That(second.Stderr, Does.Not.Contain("rsync:"), "rsync reported no error");
        var cloneCost = UsedBytes(_s.Dest) - before;
        TestContext.Progress.WriteLine($"{fileSystem}: one changed block cost {cloneCost / 1024} KiB of disk ({expectedMode})");
        Assert.That(cloneCost, Is.LessThan(1L << 20), "a changed block must cost about a block, not the file");

        // The same change again, as a hardlink snapshot: the whole file is stored anew.
        using (var file = new FileStream(big, FileMode.Open, FileAccess.Write))
        {
            file.Position = 41 * 4096;
            file.Write(BackupTree.RandomBytes(4096));
        }
        var beforeHardlink = UsedBytes(_s.Dest);
        var (third, summary3) = _s.Backup(dest, ["--snapshots", "--snapshot-mode", "hardlink", .. ssh]);
        Assert.That(third.ExitCode, Is.EqualTo(0), third.ToString());
        Assert.That(summary3.GetProperty("snapshot_mode").GetString(), Is.EqualTo("hardlink"));
        var hardlinkCost = UsedBytes(_s.Dest) - beforeHardlink;
        TestContext.Progress.WriteLine($"{fileSystem}: the same change as a hardlink snapshot cost {hardlinkCost / 1024} KiB");
        // The measurement sees a whole file (a control: rsync 3.5 may itself clone matched data on XFS, so the
        // hardlink snapshot's own cost is only reported).
        var beforeControl = UsedBytes(_s.Dest);
        File.WriteAllBytes(Path.Combine(_s.Dest, "control.bin"), BackupTree.RandomBytes((int)BigSize));
        Assert.That(UsedBytes(_s.Dest) - beforeControl, Is.GreaterThan(BigSize / 2), "df sees a 16 MiB file being written");
        File.Delete(Path.Combine(_s.Dest, "control.bin"));

        var names = Directory.GetDirectories(Path.Combine(destDir, "snapshots")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.That(names, Has.Count.EqualTo(3));
        var oldRestored = _s.RestoreWithGocryptfs(Path.Combine(destDir, "snapshots", names[0]!), "old");
        Assert.That(File.ReadAllBytes(Path.Combine(oldRestored, "big.bin")), Is.EqualTo(oldBytes), "the older snapshot holds the old bytes");
        Assert.That(Mode(Path.Combine(oldRestored, "small.txt")), Is.EqualTo("600"), "the older snapshot keeps the old mode");
        var newRestored = _s.RestoreWithGocryptfs(Path.Combine(destDir, "latest"), "new");
        Assert.That(BackupTree.Differences(_s.Plain, newRestored), Is.Empty);
        var verify = _s.Cli(["verify", "--passfile", _s.Passfile, .. ssh, _s.Plain, dest]);
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());
    }

    [Test]
    public void Btrfs_SnapshotsAreSubvolumes_AndRetentionDeletesThem()
    {
        MountLoop("btrfs", _s.Dest);
        var dest = Path.Combine(_s.Dest, "backup");
        File.WriteAllText(Path.Combine(_s.Plain, "a.txt"), "a\n");
        _s.Init();
        foreach (var day in new[] { "2026-01-01T010000Z", "2026-01-02T010000Z", "2026-01-03T010000Z" })
        {
            File.AppendAllText(Path.Combine(_s.Plain, "a.txt"), day + "\n");
            var (run, summary) = _s.Backup(dest, "--snapshots", "--keep-daily", "2", "--now", day);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(summary.GetProperty("snapshot_mode").GetString(), Is.EqualTo("btrfs"));
        }
        var subvolumes = Run.ProgramOk("btrfs", ["subvolume", "list", "-o", Path.Combine(dest, "snapshots")]).Stdout;
        Assert.That(subvolumes, Does.Contain("2026-01-02T010000Z").And.Contain("2026-01-03T010000Z"));
        Assert.That(subvolumes, Does.Not.Contain("2026-01-01T010000Z"), "retention deleted the oldest subvolume");
        Assert.That(Directory.Exists(Path.Combine(dest, "snapshots", "2026-01-01T010000Z")), Is.False);
    }

    [TestCase("btrfs")]
    [TestCase("xfs")]
    public void NewSparseFile_InAChangeDrivenCloneRun_CostsItsDataNotItsSize(string fileSystem)
    {
        // rsync writes in place into a clone, where --sparse is not used; a sparse file that is new since the last
        // run must not be stored with its holes allocated all the same.
        const long size = 256L << 20;
        MountLoop(fileSystem, _s.Dest);
        var dest = Path.Combine(_s.Dest, "backup");
        File.WriteAllText(Path.Combine(_s.Plain, "a.txt"), "a\n");
        _s.Init();
        var (first, _) = _s.Backup(dest, "--snapshots");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());

        var sparse = Path.Combine(_s.Plain, "dir", "image.raw");
        Directory.CreateDirectory(Path.GetDirectoryName(sparse)!);
        using (var file = new FileStream(sparse, FileMode.CreateNew))
        {
            file.SetLength(size);
            for (int i = 0; i < 8; i++)
            {
                file.Position = (i * (size / 8)) + 777;
                file.Write(BackupTree.RandomBytes(128 << 10));
            }
        }
        File.WriteAllText(Path.Combine(_s.Plain, "dir", "beside.txt"), "beside\n");
        var before = UsedBytes(_s.Dest);
        var (second, summary2) = _s.Backup(dest, "--snapshots");
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(summary2.GetProperty("run").GetString(), Does.StartWith("incremental"), second.ToString());
        Assert.That(summary2.GetProperty("snapshot_mode").GetString(), Is.Not.EqualTo("hardlink"));
        var cost = UsedBytes(_s.Dest) - before;
        TestContext.Progress.WriteLine($"{fileSystem}: a new 256 MiB sparse file with 1 MiB of data cost {cost / 1024} KiB of disk");
        Assert.That(cost, Is.LessThan(16L << 20), "the holes of a new sparse file cost no disk");

        var restored = _s.RestoreWithGocryptfs(Path.Combine(dest, "latest"), "sparse-new");
        Assert.That(BackupTree.Differences(_s.Plain, restored), Is.Empty);
    }

    [Category("TransportAgnostic")] // an argument error
    [Test]
    public void AModeTheDestinationCannotDo_IsAUsageError()
    {
        File.WriteAllText(Path.Combine(_s.Plain, "a.txt"), "a\n");
        _s.Init();
        var r = _s.Cli("backup", "--snapshots", "--snapshot-mode", "btrfs", "--passfile", _s.Passfile, _s.Plain, _s.Dest);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Does.Contain("--snapshot-mode btrfs"));
        var bad = _s.Cli("backup", "--snapshots", "--snapshot-mode", "zfs", "--passfile", _s.Passfile, _s.Plain, _s.Dest);
        Assert.That(bad.ExitCode, Is.EqualTo(2), bad.ToString());
    }

    /// <summary>Bytes in use on the filesystem at <paramref name="dir"/> after everything reached the disk.</summary>
    private static long UsedBytes(string dir)
    {
        Run.ProgramOk("sync", ["-f", dir]);
        var df = Run.ProgramOk("df", ["-B1", "--output=used", dir]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(df[^1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Mode(string path) => Run.ProgramOk("stat", ["-c", "%a", path]).Stdout.Trim();

}
