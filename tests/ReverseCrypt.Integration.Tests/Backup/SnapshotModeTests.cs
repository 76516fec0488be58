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

    /// <summary>
    /// A change-driven run on XFS starts from a hard-link copy of the previous snapshot in which only the changed files
    /// are reflink copies (JSON snapshot_start "linked"): one changed 4 KiB block of a 16 MiB file among 4,000 files
    /// costs far less than a MiB, where a whole reflink copy (the control: a --full run of the same tree) costs an
    /// inode per file and a stored file would cost 16 MiB. The older snapshot keeps the old bytes, and a chmod or an
    /// xattr change of a file whose content did not change leaves every inode of the older snapshot as it was (inode
    /// number, mode, owner, times, xattrs: its ctime moves with the link count, so it cannot tell).
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void XfsChangeDriven_LinkedReflink_CostsTheChangedBlocks_NotAnInodePerFile_OlderSnapshotUntouched(bool remote)
    {
        Require.Tool("setfattr");
        MountLoop("xfs", _s.Dest);
        var dest = remote ? _s.Remote : _s.Dest;
        var ssh = remote ? new[] { "--ssh", _ssh.SshCommand } : [];
        var big = Path.Combine(_s.Plain, "big.bin");
        File.WriteAllBytes(big, BackupTree.RandomBytes((int)BigSize));
        var random = new Random(13);
        for (var d = 0; d < 20; d++)
        {
            var dir = Directory.CreateDirectory(Path.Combine(_s.Plain, $"d{d:00}")).FullName;
            for (var f = 0; f < 200; f++) File.WriteAllBytes(Path.Combine(dir, $"f{f:000}"), BackupTree.RandomBytes(random.Next(1, 2000)));
        }
        var chmodded = Path.Combine(_s.Plain, "d03", "f007");
        var attributed = Path.Combine(_s.Plain, "d11", "f150");
        File.SetUnixFileMode(chmodded, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _s.Init();
        var (first, s1) = _s.Backup(dest, ["--snapshots", "--now", "2026-01-01T00:00:00Z", .. ssh]);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var oldSnapshot = Path.Combine(_s.Snapshots, s1.GetProperty("snapshot").GetString()!);
        var oldState = InodeStates(oldSnapshot);
        var oldBytes = File.ReadAllBytes(big);

        using (var file = new FileStream(big, FileMode.Open, FileAccess.Write))
        {
            file.Position = 100 * 4096;
            file.Write(BackupTree.RandomBytes(4096));
        }
        File.SetUnixFileMode(chmodded, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Run.ProgramOk("setfattr", ["-n", "user.note", "-v", "changed", attributed]);
        var before = UsedBytes(_s.Dest);
        var (second, s2) = _s.Backup(dest, ["--snapshots", "--now", "2026-01-01T01:00:00Z", .. ssh]);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(s2.GetProperty("run").GetString(), Is.EqualTo("incremental"), second.Stdout);
        Assert.That(s2.GetProperty("snapshot_mode").GetString(), Is.EqualTo("reflink"));
        Assert.That(s2.GetProperty("snapshot_start").GetString(), Is.EqualTo("linked"), second.Stdout);
        var linkedCost = UsedBytes(_s.Dest) - before;
        var newSnapshot = Path.Combine(_s.Snapshots, s2.GetProperty("snapshot").GetString()!);

        Assert.That(InodeStates(oldSnapshot), Is.EqualTo(oldState), "no inode of the older snapshot changed");
        var newState = InodeStates(newSnapshot);
        var own = newState.Where(kv => oldState.TryGetValue(kv.Key, out var o) && o.Split(' ')[0] != kv.Value.Split(' ')[0]).Select(kv => kv.Key).ToList();
        Assert.That(own, Has.Count.InRange(3, 12), "the changed files (and the dirivs and long-name files around them) have their own inodes: " + string.Join(" ", own));
        Assert.That(newState.Count(kv => oldState.TryGetValue(kv.Key, out var o) && o.Split(' ')[0] == kv.Value.Split(' ')[0]), Is.GreaterThan(4000),
            "every unchanged file is a hard link to the older snapshot's");

        // The control: a whole reflink copy of the same tree (a full run) costs an inode per file.
        var beforeFull = UsedBytes(_s.Dest);
        var (full, s3) = _s.Backup(dest, ["--snapshots", "--full", "--now", "2026-01-01T02:00:00Z", .. ssh]);
        Assert.That(full.ExitCode, Is.EqualTo(0), full.ToString());
        Assert.That(s3.GetProperty("snapshot_start").GetString(), Is.EqualTo("copy"), full.Stdout);
        var copyCost = UsedBytes(_s.Dest) - beforeFull;
        TestContext.Progress.WriteLine($"xfs, 4,001 files: one changed block cost {linkedCost / 1024} KiB as a linked snapshot, a whole reflink copy {copyCost / 1024} KiB");
        Assert.That(copyCost, Is.GreaterThan(1L << 20), "the control: an inode per file shows in df");
        Assert.That(linkedCost, Is.LessThan(1L << 20), "a changed block costs about a block, not the file or an inode per file");
        Assert.That(linkedCost * 3, Is.LessThan(copyCost));

        var oldRestored = _s.RestoreWithGocryptfs(oldSnapshot, "old");
        Assert.That(File.ReadAllBytes(Path.Combine(oldRestored, "big.bin")), Is.EqualTo(oldBytes), "the older snapshot holds the old bytes");
        Assert.That(Mode(Path.Combine(oldRestored, "d03", "f007")), Is.EqualTo("600"), "the older snapshot keeps the old mode");
        Assert.That(Run.Program("getfattr", ["-n", "user.note", Path.Combine(oldRestored, "d11", "f150")]).ExitCode, Is.Not.EqualTo(0), "and has no new xattr");
        Assert.That(BackupTree.Differences(_s.Plain, _s.RestoreWithGocryptfs(newSnapshot, "new")), Is.Empty);
        var verify = _s.Cli(["verify", "--passfile", _s.Passfile, .. ssh, _s.Plain, dest]);
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());
    }

    /// <summary>
    /// A linked reflink run killed while rsync writes leaves its snapshot marked linked (DEST/.reversecrypt/NAME.linked):
    /// the next run does not resume it (rsync would chmod hard links the older snapshot holds) but removes it and
    /// starts anew as a full run from a whole reflink copy; the older snapshot is untouched, the new one restores
    /// exactly, and the run after it is change-driven and linked again.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void XfsLinkedReflinkRun_Killed_TheNextRunStartsAnew_OlderSnapshotUntouched(bool remote)
    {
        MountLoop("xfs", _s.Dest);
        var dest = remote ? _s.Remote : _s.Dest;
        var ssh = remote ? new[] { "--ssh", _ssh.SshCommand } : [];
        var big = Path.Combine(_s.Plain, "big.bin");
        File.WriteAllBytes(big, BackupTree.RandomBytes((int)BigSize));
        for (var f = 0; f < 50; f++) File.WriteAllText(Path.Combine(_s.Plain, $"f{f:00}"), $"file {f}\n");
        _s.Init();
        var (first, s1) = _s.Backup(dest, ["--snapshots", "--now", "2026-01-01T00:00:00Z", .. ssh]);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var oldSnapshot = Path.Combine(_s.Snapshots, s1.GetProperty("snapshot").GetString()!);
        var oldState = InodeStates(oldSnapshot);

        // Changes for a change-driven run: a rewritten big file (slow at 1 MiB/s), a chmod, a new file.
        File.WriteAllBytes(big, BackupTree.RandomBytes((int)BigSize));
        File.SetUnixFileMode(Path.Combine(_s.Plain, "f07"), UnixFileMode.UserRead);
        File.WriteAllText(Path.Combine(_s.Plain, "new.txt"), "new\n");
        var killed = _s.StartBackup(["--snapshots", "--bwlimit", "1M", "--now", "2026-01-01T01:00:00Z", .. ssh, _s.Plain, dest]);
        try
        {
            ProcessTree.WaitForRsync(killed);
            // rsync starts before begin and reads the view once it has its list, that is once begin is done.
            ProcessTree.WaitUntil(() => _s.RsyncReadsAViewFile(killed), killed, "rsync reads a file of the view");
            var marker = Path.Combine(_s.Dest, ".reversecrypt", "2026-01-01T010000Z.linked");
            Assert.That(File.Exists(marker), "the linked snapshot's marker");
            Assert.That(Directory.Exists(Path.Combine(_s.Snapshots, "2026-01-01T010000Z.incomplete")));
            Assert.That(File.Exists(Path.Combine(_s.Dest, ".reversecrypt", "2026-01-01T010000Z.clone")), Is.False, "never updated in place when resumed");
        }
        finally
        {
            killed.Kill(entireProcessTree: true);
            killed.WaitForExit();
            killed.Dispose();
        }

        var (next, s2) = _s.Backup(dest, ["--snapshots", "--now", "2026-01-01T02:00:00Z", .. ssh]);
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(s2.GetProperty("run").GetString(), Is.EqualTo("full"), next.Stdout);
        Assert.That(s2.GetProperty("resumed_from").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null), "a linked snapshot is not resumed");
        Assert.That(s2.GetProperty("snapshot_start").GetString(), Is.EqualTo("copy"), next.Stdout);
        Assert.That(Directory.GetDirectories(_s.Snapshots).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "2026-01-01T000000Z", "2026-01-01T020000Z" }), "the interrupted snapshot is gone");
        Assert.That(Directory.GetFiles(Path.Combine(_s.Dest, ".reversecrypt"), "*.linked"), Is.Empty);
        Assert.That(InodeStates(oldSnapshot), Is.EqualTo(oldState), "no inode of the older snapshot changed");
        Assert.That(BackupTree.Differences(_s.Plain, _s.RestoreWithGocryptfs(Path.Combine(_s.Dest, "latest"), "after")), Is.Empty);

        File.AppendAllText(Path.Combine(_s.Plain, "f01"), "more\n");
        var (then, s3) = _s.Backup(dest, ["--snapshots", "--now", "2026-01-01T03:00:00Z", .. ssh]);
        Assert.That(then.ExitCode, Is.EqualTo(0), then.ToString());
        Assert.That(s3.GetProperty("run").GetString(), Is.EqualTo("incremental"), then.Stdout);
        Assert.That(s3.GetProperty("snapshot_start").GetString(), Is.EqualTo("linked"), then.Stdout);
        Assert.That(BackupTree.Differences(_s.Plain, _s.RestoreWithGocryptfs(Path.Combine(_s.Dest, "latest"), "then")), Is.Empty);
    }

    /// <summary>Each non-directory object of a snapshot by path: inode number, mode, owner, size, mtime, content hash
    /// and xattrs (everything but the link count and ctime, which the hard-link copies of later snapshots move).</summary>
    private static Dictionary<string, string> InodeStates(string snapshot) =>
        TreeManifest.Walk(snapshot).Where(e => e.Type != "dir").ToDictionary(e => Convert.ToHexString(e.Path),
            e => $"{e.Ino} {e.Mode} {e.Uid}:{e.Gid} {e.Size} {e.MtimeSec}.{e.MtimeNsec} {e.Sha256} "
                + string.Join(",", e.Xattrs.Select(x => Convert.ToHexString(x.Name) + "=" + x.ValueHex)));

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
