using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>The destination scripts, run by a real /bin/sh on a local directory (the remote runs the same text over ssh).</summary>
public class DestinationTests
{
    private TestDirectory _tmp = null!;

    [SetUp]
    public void SetUp() => _tmp = new TestDirectory();

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    private SnapshotStore Store(string dest) => new(new DestinationShell(BackupDestination.Parse(dest), ["ssh"]));

    [Test]
    public void Probe_OfAMissingDirectory()
    {
        var state = Store(Path.Combine(_tmp.Path, "no such dir")).Probe();
        Assert.That(state.Exists, Is.False);
        Assert.That(state.NotADirectory, Is.False);
        Assert.That(state.HasSnapshots, Is.False);
    }

    [Test]
    public void BeginCommitDelete_KeepTheLayout_AndLatestIsSwitchedLast()
    {
        var dest = Path.Combine(_tmp.Path, "d e'st");
        var store = Store(dest);
        store.Begin("2025-01-01T000000Z", null);
        Assert.That(Directory.Exists(Path.Combine(dest, "snapshots", "2025-01-01T000000Z.incomplete")));
        var state = store.Probe();
        Assert.That(state.Incomplete, Is.EqualTo(new[] { "2025-01-01T000000Z" }));
        Assert.That(state.LatestTarget, Is.Null);

        store.Commit("2025-01-01T000000Z", []);
        store.Begin("2025-01-02T000000Z", null);
        File.WriteAllText(Path.Combine(dest, "snapshots", "2025-01-02T000000Z.incomplete", "partial"), "x");
        store.Begin("2025-01-03T000000Z", "2025-01-02T000000Z");
        Assert.That(File.Exists(Path.Combine(dest, "snapshots", "2025-01-03T000000Z.incomplete", "partial")), "the interrupted run is continued");
        state = store.Probe();
        Assert.That(state.Complete, Is.EqualTo(new[] { "2025-01-01T000000Z" }));
        Assert.That(state.LatestSnapshot, Is.EqualTo("2025-01-01T000000Z"));
        Assert.That(state.Previous, Is.EqualTo("2025-01-01T000000Z"));

        store.Commit("2025-01-03T000000Z", []);
        Assert.That(new FileInfo(Path.Combine(dest, "latest")).LinkTarget, Is.EqualTo("snapshots/2025-01-03T000000Z"));
        Assert.That(File.Exists(Path.Combine(dest, "latest", "partial")));
        Assert.That(File.Exists(Path.Combine(dest, ".latest.new")), Is.False);

        store.Delete(["2025-01-01T000000Z"]);
        state = store.Probe();
        Assert.That(state.Complete, Is.EqualTo(new[] { "2025-01-03T000000Z" }));
        Assert.That(state.Incomplete, Is.Empty);
        Assert.That(state.HasRsync, Is.True);
    }

    /// <summary>A linked begin (hardlink or reflink mode): a hard-link copy of the previous snapshot, marked before the
    /// first link, with the removed paths gone and each reflinked path a new inode (on a filesystem that cannot clone,
    /// such as ext4, removed instead, which rsync then sends whole); the previous snapshot's inodes keep mode, owner,
    /// mtime and xattrs (their ctime moves with every link made or removed, so it cannot tell). The XFS case, where the
    /// copy shares the blocks, is in SnapshotModeTests.</summary>
    [TestCase(SnapshotMode.Reflink)]
    [TestCase(SnapshotMode.Hardlink)]
    public void LinkedBegin_SharesTheRest_NeverTouchesThePreviousInodes_AndIsMarkedLinked(SnapshotMode mode)
    {
        const string Old = "2025-01-01T000000Z", New = "2025-01-02T000000Z";
        var dest = Path.Combine(_tmp.Path, "d e'st");
        var store = Store(dest);
        Directory.CreateDirectory(Path.Combine(dest, ".reversecrypt"));
        store.Begin(Old, null);
        var old = Path.Combine(dest, "snapshots", Old + ".incomplete");
        foreach (var name in new[] { "keep", "-change", "gone", "sub/x y", "sub/'q'" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(old, name))!);
            File.WriteAllText(Path.Combine(old, name), name);
        }
        File.CreateSymbolicLink(Path.Combine(old, "sym"), "keep");
        File.SetUnixFileMode(Path.Combine(old, "-change"), UnixFileMode.UserRead);
        store.Commit(Old, []);
        old = Path.Combine(dest, "snapshots", Old);
        string Stat(string path) => Run.ProgramOk("stat", ["-c", "%i %a %h %u:%g %.9Y", path]).Stdout.Trim();
        var before = new[] { "keep", "-change", "sub/x y", "sub/'q'" }.ToDictionary(n => n, n => Stat(Path.Combine(old, n)));
        var reflinkCapable = Run.Program("cp", ["--reflink=always", Path.Combine(old, "keep"), Path.Combine(_tmp.Path, "probe")]).ExitCode == 0;
        TestContext.Progress.WriteLine($"{_tmp.Path}: {(reflinkCapable ? "can" : "cannot")} clone files");

        var start = store.Begin(New, null, mode, Old, [[.. "gone"u8]], [[.. "-change"u8], [.. "sub/x y"u8], [.. "sub/'q'"u8], [.. "sym"u8]]);
        Assert.That(start, Is.EqualTo(SnapshotStart.Linked));
        var state = store.Probe(detectClones: true);
        Assert.That(state.LinkedIncomplete, Is.EqualTo(new[] { New }));
        Assert.That(state.ClonedIncomplete, Is.Empty, "a linked snapshot must never be updated in place when resumed");
        var now = Path.Combine(dest, "snapshots", New + ".incomplete");
        Assert.That(Stat(Path.Combine(now, "keep")).Split(' ')[0], Is.EqualTo(before["keep"].Split(' ')[0]), "an untouched file stays a hard link");
        Assert.That(File.Exists(Path.Combine(now, "gone")), Is.False);
        Assert.That(new FileInfo(Path.Combine(now, "sym")).Exists || new FileInfo(Path.Combine(now, "sym")).LinkTarget is not null, Is.False,
            "a symlink in the reflink list is removed, never followed");
        foreach (var name in new[] { "-change", "sub/x y", "sub/'q'" })
        {
            var path = Path.Combine(now, name);
            if (mode == SnapshotMode.Reflink && reflinkCapable)
            {
                Assert.That(File.ReadAllText(path), Is.EqualTo(name));
                var (ino, modeBits) = (Stat(path).Split(' ')[0], Stat(path).Split(' ')[1]);
                Assert.That(ino, Is.Not.EqualTo(before[name].Split(' ')[0]), $"{name}: its own inode");
                Assert.That(modeBits, Is.EqualTo(before[name].Split(' ')[1]), $"{name}: the same mode");
                Assert.That(File.GetLastWriteTimeUtc(path), Is.EqualTo(File.GetLastWriteTimeUtc(Path.Combine(old, name))), $"{name}: the same mtime");
            }
            else
            {
                Assert.That(File.Exists(path), Is.False, $"{name}: removed (rsync sends it whole)");
            }
        }
        Assert.That(Directory.Exists(Path.Combine(dest, ".reversecrypt", "reflink.tmp")), Is.False);
        foreach (var (name, stat) in before)
            Assert.That(Stat(Path.Combine(old, name)).Split(' ').Where((_, i) => i != 2), Is.EqualTo(stat.Split(' ').Where((_, i) => i != 2)),
                $"{name}: the previous snapshot's inode keeps its inode number, mode, owner and mtime");

        store.Commit(New, []);
        Assert.That(store.Probe(detectClones: true).LinkedIncomplete, Is.Empty, "commit removes the marker");
    }

    [Test]
    public void Probe_SeesForeignContent_AndAMirror()
    {
        var dest = _tmp.Sub("mirror");
        File.WriteAllText(Path.Combine(dest, "my-notes.txt"), "mine");
        var state = Store(dest).Probe();
        Assert.That(state.NonEmpty, Is.True);
        Assert.That(state.HasConfig, Is.False);
        Assert.That(state.LooksLikeBackup, Is.False);
        File.Delete(Path.Combine(dest, "my-notes.txt"));
        File.WriteAllText(Path.Combine(dest, "gocryptfs.diriv"), "0123456789abcdef");
        Directory.CreateDirectory(Path.Combine(dest, "ttkPAQyo-unAxXBJVDpxQ-a"));
        state = Store(dest).Probe();
        Assert.That(state.LooksLikeBackup, Is.True, "an interrupted first backup");
        File.WriteAllText(Path.Combine(dest, "gocryptfs.conf"), "{}");
        Assert.That(Store(dest).Probe().HasConfig, Is.True);
    }

    [Test]
    public void Mirror_RefusesToDeleteSomebodysFiles()
    {
        var dest = _tmp.Sub("home");
        File.WriteAllText(Path.Combine(dest, "thesis.tex"), "years of work");
        var run = new BackupRun(new BackupOptions { Destination = BackupDestination.Parse(dest) });
        var e = Assert.Throws<BackupException>(() => run.Prepare());
        Assert.That(e!.Kind, Is.EqualTo(BackupErrorKind.BadDestination));
        Assert.That(e.Message, Does.Contain("refusing"));
        Assert.That(File.Exists(Path.Combine(dest, "thesis.tex")));
    }

    [Test]
    public void Mirror_RefusesASnapshotDestination_AndSnapshotsRefuseAMirror()
    {
        var snapshots = _tmp.Sub("snapdest");
        Store(snapshots).Begin("2025-01-01T000000Z", null);
        var e = Assert.Throws<BackupException>(() => new BackupRun(new BackupOptions { Destination = BackupDestination.Parse(snapshots) }).Prepare());
        Assert.That(e!.Message, Does.Contain("--snapshots"));

        var mirror = _tmp.Sub("mirrordest");
        File.WriteAllText(Path.Combine(mirror, "gocryptfs.conf"), "{}");
        e = Assert.Throws<BackupException>(() => new BackupRun(new BackupOptions { Destination = BackupDestination.Parse(mirror), Snapshots = true }).Prepare());
        Assert.That(e!.Message, Does.Contain("without snapshots"));
    }

    [Test]
    public void KeepWithoutSnapshots_AndBadBwLimit_AreUsageErrors()
    {
        var dest = BackupDestination.Parse(_tmp.Path);
        var e = Assert.Throws<BackupException>(() => new BackupRun(new BackupOptions { Destination = dest, Retention = new RetentionPolicy(KeepDaily: 1) }));
        Assert.That(e!.Kind, Is.EqualTo(BackupErrorKind.Usage));
        e = Assert.Throws<BackupException>(() => new BackupRun(new BackupOptions { Destination = dest, BwLimit = "lots" }));
        Assert.That(e!.Kind, Is.EqualTo(BackupErrorKind.Usage));
    }

    [Test]
    public void SourceLatest_PicksTheNewestName_NumbersAsNumbers()
    {
        var root = _tmp.Sub("daily");
        foreach (var name in new[] { "daily-9", "daily-10", ".hidden-99", "2024-12-31" }) Directory.CreateDirectory(Path.Combine(root, name));
        File.WriteAllText(Path.Combine(root, "zzz-file"), "");
        Assert.That(Path.GetFileName(SourceLatest.Find(root)), Is.EqualTo("daily-10"));
        var dated = _tmp.Sub("dated");
        foreach (var name in new[] { "2025-06-01", "2025-06-10", "2025-05-31" }) Directory.CreateDirectory(Path.Combine(dated, name));
        Assert.That(Path.GetFileName(SourceLatest.Find(dated)), Is.EqualTo("2025-06-10"));
        var e = Assert.Throws<BackupException>(() => SourceLatest.Find(_tmp.Sub("emptyroot")));
        Assert.That(e!.Kind, Is.EqualTo(BackupErrorKind.BadSource));
    }

    [Test]
    public void RemoteCommand_IsTheSshCommandPlusShQuotedScript_ThenTheOperation()
    {
        var shell = new DestinationShell(BackupDestination.Parse("me@vps:/b"), ShellQuoting.SplitRemoteShell("ssh -p 2222"));
        var (program, args) = shell.CommandFor(DestinationOp.Ensure());
        Assert.That(program, Is.EqualTo("ssh"));
        Assert.That(args, Is.EqualTo(new[] { "-p", "2222", "me@vps", "sh -c 'mkdir -p -- /b' reversecrypt-op ensure" }));
        Assert.That(DestinationShell.RemoteCommand("echo 'hi'", DestinationOp.Ensure()), Is.EqualTo("sh -c 'echo '\\''hi'\\''' reversecrypt-op ensure"));
        var keep = DestinationOp.Keep("2025-06-01T021500Z", null, SnapshotMode.Reflink, ["a b/c'd"]);
        Assert.That(keep.ToString(), Is.EqualTo("keep 2025-06-01T021500Z - reflink 'a b/c'\\''d'"));
        Assert.That(DestinationOp.Parse(keep.Words).Script("/b"), Is.EqualTo(keep.Script("/b")), "the words give the same step back");
        var linked = DestinationOp.Begin("2025-06-02T021500Z", null, SnapshotMode.Reflink, "2025-06-01T021500Z", linkClone: true);
        Assert.That(linked.ToString(), Is.EqualTo("begin 2025-06-02T021500Z - reflink 2025-06-01T021500Z linked"));
        Assert.That(DestinationOp.Parse(linked.Words).LinkClone, Is.True);
        var reflink = DestinationOp.Reflink("2025-06-02T021500Z", ["a b/c'd", "-e"]);
        Assert.That(reflink.ToString(), Is.EqualTo("reflink 2025-06-02T021500Z 'a b/c'\\''d' -e"));
        Assert.That(DestinationOp.Parse(reflink.Words).Script("/b"), Is.EqualTo(reflink.Script("/b")));
        Assert.Throws<FormatException>(() => DestinationOp.Parse(["reflink", "2025-06-02T021500Z"]));
        Assert.Throws<FormatException>(() => DestinationOp.Parse(["reflink", "2025-06-02T021500Z", "a/../b"]));
        Assert.Throws<FormatException>(() => DestinationOp.Parse(["begin", "2025-06-02T021500Z", "-", "btrfs", "2025-06-01T021500Z", "linked"]));
    }
}
