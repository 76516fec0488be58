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
    }
}
