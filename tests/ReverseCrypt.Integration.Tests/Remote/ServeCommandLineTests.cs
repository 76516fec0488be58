using ReverseCrypt.Operations.Backup;
using ReverseCrypt.Operations.Remote;

namespace ReverseCrypt.Integration.Tests.Remote;

/// <summary>What <see cref="ServeEndpoint"/> makes of command lines: the exact ones the client sends (taken from rsync
/// 3.2/3.5 as backup, verify, verify --repair and restore --from call it) are accepted and become a clean argv inside
/// DEST; everything else is refused with a reason. The end-to-end behaviour through sshd is in <see cref="ServeTests"/>.</summary>
public class ServeCommandLineTests
{
    private TestDirectory _tmp = null!;
    private string _dest = null!;
    private const string Old = "2025-06-01T021500Z";
    private const string New = "2025-06-02T021500Z";

    [SetUp]
    public void SetUp()
    {
        _tmp = new TestDirectory();
        _dest = Path.Combine(_tmp.Path, "dest");
        Directory.CreateDirectory(Path.Combine(_dest, "snapshots", Old));
        Directory.CreateDirectory(Path.Combine(_dest, "snapshots", New + ".incomplete"));
        Directory.CreateDirectory(Path.Combine(_dest, ".reversecrypt", "tmp"));
        Directory.CreateDirectory(Path.Combine(_dest, ".reversecrypt", "partial"));
    }

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    private string Incomplete => $"{_dest}/snapshots/{New}.incomplete/";

    private string[] ClientLines => [
        $"flock -x {_dest}/.reversecrypt/rsync.lock rsync --server -lHogDtpAXre.iLsfxCIvu --delete -@-1 --partial-dir {_dest}/.reversecrypt/partial --numeric-ids --temp-dir {_dest}/.reversecrypt/tmp --info=STATS2 . {Incomplete}",
        $"rsync --server -lHogDtpAXre.iLsfxCIvu --bwlimit=1024 --delete -@-1 --numeric-ids --info=STATS2 --inplace . {Incomplete}",
        $"rsync --server -nlHogDtpAXre.iLsfxCIvu --log-format=%i --delete -@-1 --numeric-ids --info=STATS2 . {Incomplete}",
        $"rsync --server -nlHogDtpAXrce.iLsfxCIvu --log-format=%i --delete -@-1 --numeric-ids --info=STATS2 . {_dest}/snapshots/{Old}/",
        $"rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids --files-from=- --from0 . {_dest}/snapshots/{Old}/",
        $"rsync --server --sender -lHogDtpAXRe.LsfxCIvu --numeric-ids --files-from=- --from0 . {_dest}/snapshots/{Old}/",
        // Over ssh: --sparse (S) and zstd compression, as backup sends them (captured from rsync's -e argv).
        $"rsync --server -lHogDtpAXrSe.iLsfxCIvu --compress-level=1 --compress-choice=zstd -@-1 --numeric-ids --info=STATS2 --inplace . {Incomplete}",
        // A change-driven run: --files-from (read by the client), -R, --delete-missing-args --force.
        $"rsync --server -lHogDtpAXRSe.LsfxCIvu --force --delete-missing-args -@-1 --numeric-ids --info=STATS2 --inplace --filter=-x\\ trusted.SGI_ACL_\\* . {Incomplete}",
        $"sh -c 'ignored' reversecrypt-op unlink {New} 'a/b' c",
        $"sh -c 'ignored' reversecrypt-op reflink {New} 'a/b' c",
        $"sh -c 'echo ignored' reversecrypt-op probe plain",
        $"sh -c 'ignored' reversecrypt-op lease exclusive create 60",
        $"sh -c 'ignored' reversecrypt-op lease exclusive create 60 0123456789abcdef0123456789abcdef clones steps",
        $"sh -c 'ignored' reversecrypt-op commit {New}",
        $"sh -c 'ignored' reversecrypt-op hash {Old} 'a/b' c",
    ];

    [Test]
    public void TheClientsOwnCommandLines_AreAccepted_InAppendOnlyMode()
    {
        var serve = new ServeEndpoint(_dest, appendOnly: true);
        foreach (var line in ClientLines)
            Assert.DoesNotThrow(() => serve.Prepare(line), line);
        var (program, args) = serve.Prepare(ClientLines[1]);
        Assert.That(program, Is.EqualTo("flock"), "a receiver holds the rsync lock");
        Assert.That(args, Is.EqualTo(new[] { "-x", _dest + "/.reversecrypt/rsync.lock", "rsync", "--server", "-lHogDtpAXre.iLsfxCIvu",
            "--bwlimit=1024", "--delete", "-@-1", "--numeric-ids", "--info=STATS2", "--inplace", ".", Incomplete }));
        var (shell, script) = serve.Prepare("sh -c 'rm -rf /' reversecrypt-op probe plain");
        Assert.That(shell, Is.EqualTo("/bin/sh"));
        Assert.That(script[1], Is.EqualTo(DestinationOp.Probe(false).Script(_dest)), "serve runs its own template, not the client's script");
    }

    [Test]
    public void ALeaseWithSteps_RunsWithoutThem_SoNoScriptTextOfTheClientIsEverRun()
    {
        var serve = new ServeEndpoint(_dest, appendOnly: true);
        var session = new LeaseSession("0123456789abcdef0123456789abcdef", Probe: true, Steps: true);
        var (_, args) = serve.Prepare($"sh -c 'ignored' reversecrypt-op {DestinationOp.Lease(true, true, TimeSpan.FromSeconds(60), session)}");
        Assert.That(args[1], Is.EqualTo(DestinationOp.Lease(true, true, TimeSpan.FromSeconds(60), session with { Steps = false }).Script(_dest)));
        Assert.That(args[1], Does.Not.Contain("eval"));
    }

    [TestCase("rm -rf /", "only reversecrypt's own steps")]
    [TestCase("sh -c 'x' reversecrypt-op probe plain; rm -rf /", "shell character")]
    [TestCase("sh -c 'x' reversecrypt-op begin 2025-06-03T021500Z - btrfs $(id)", "shell character")]
    [TestCase("sh -c 'x' reversecrypt-op hash - ../etc/passwd", "not a relative path")]
    [TestCase("sh -c 'x' reversecrypt-op delete ../../etc", "not a snapshot name")]
    [TestCase("sh -c 'x' reversecrypt-op delete 2025-06-01T021500Z", "reversecrypt prune")]
    [TestCase("sh -c 'x' reversecrypt-op commit 2025-06-01T021500Z", "already committed")]
    [TestCase("rsync --server --sender -lHogDtpAXre.iLsfxCIvu --remove-source-files . DEST/snapshots/2025-06-01T021500Z/", "--remove-source-files")]
    [TestCase("rsync --server --sender -lHogDtpAXre.iLsfxCIvu --files-from=/etc/passwd . DEST/snapshots/2025-06-01T021500Z/", "--files-from")]
    [TestCase("rsync --server -lHogDtpAXre.iLsfxCIvu --write-batch=x . DEST/snapshots/2025-06-02T021500Z.incomplete/", "batch")]
    [TestCase("rsync --server -KlHogDtpAXre.iLsfxCIvu . DEST/snapshots/2025-06-02T021500Z.incomplete/", "-K")]
    [TestCase("rsync --server -lHogDtpAXre.iLsfxCIvu --temp-dir /tmp . DEST/snapshots/2025-06-02T021500Z.incomplete/", "outside DEST")]
    [TestCase("rsync --server -lHogDtpAXre.iLsfxCIvu --temp-dir DEST/snapshots . DEST/snapshots/2025-06-02T021500Z.incomplete/", ".reversecrypt")]
    [TestCase("rsync --server -lHogDtpAXre.iLsfxCIvu --link-dest ../2025-06-01T021500Z . DEST/snapshots/2025-06-02T021500Z.incomplete/", "btrfs or XFS")]
    [TestCase("rsync --server -lHogDtpAXre.iLsfxCIvu . DEST/snapshots/2025-06-01T021500Z/", "append-only")]
    [TestCase("rsync --server -lHogDtpAXre.iLsfxCIvu . DEST/latest/", "append-only")]
    [TestCase("rsync --server -lHogDtpAXre.iLsfxCIvu . DEST/snapshots/2025-06-02T021500Z.incomplete/../2025-06-01T021500Z/", "'..'")]
    [TestCase("rsync --server --sender -lHogDtpAXre.iLsfxCIvu . /etc/", "outside DEST")]
    [TestCase("rsync --server --sender -lHogDtpAXre.iLsfxCIvu --some-new-option . DEST/", "not allowed")]
    [TestCase("rsync --server --sender -lHogDtpAXre.iLsfxCIvu . DEST/ --log-file=/tmp/x", "looks like an option")]
    [TestCase("rsync --server -lHogDtpAXre.iLsfxCIvu --filter=merge\\ /etc/shadow . DEST/snapshots/2025-06-02T021500Z.incomplete/", "--filter is allowed only")]
    public void OtherCommandLines_AreRefused_WithTheReason(string line, string reason)
    {
        var serve = new ServeEndpoint(_dest, appendOnly: true);
        var e = Assert.Throws<ServeRefusedException>(() => serve.Prepare(line.Replace("DEST", _dest, StringComparison.Ordinal)));
        Assert.That(e!.Message, Does.Contain(reason));
    }

    [Test]
    public void WithoutAppendOnly_RetentionMirrorAndRepairAreAllowed_ButStillOnlyInsideDest()
    {
        var serve = new ServeEndpoint(_dest, appendOnly: false);
        Assert.DoesNotThrow(() => serve.Prepare($"sh -c x reversecrypt-op delete {Old}"));
        Assert.DoesNotThrow(() => serve.Prepare($"rsync --server -lHogDtpAXre.iLsfxCIvu --delete . {_dest}/"));
        Assert.DoesNotThrow(() => serve.Prepare($"rsync --server -lHogDtpAXIRe.LsfxCIvu --force --delete-missing-args . {_dest}/snapshots/{Old}/"));
        Assert.DoesNotThrow(() => serve.Prepare($"rsync --server -lHogDtpAXre.iLsfxCIvu --link-dest ../{Old} . {Incomplete}"));
        Assert.Throws<ServeRefusedException>(() => serve.Prepare($"rsync --server -lHogDtpAXre.iLsfxCIvu . {_tmp.Path}/"));
        File.CreateSymbolicLink(Path.Combine(_dest, "snapshots", New + ".incomplete", "lnk"), "/etc");
        var e = Assert.Throws<ServeRefusedException>(() => serve.Prepare($"rsync --server --sender -lHogDtpAXre.iLsfxCIvu . {Incomplete}lnk/"));
        Assert.That(e!.Message, Does.Contain("symlink"));
    }

    [Test]
    public void ChangeDrivenSteps_LinkedBeginOnlyWithoutAppendOnly_UnlinkOnlyBelowTheIncompleteSnapshot()
    {
        const string Next = "2025-06-03T021500Z";
        var plain = new ServeEndpoint(_dest, appendOnly: false);
        var appendOnly = new ServeEndpoint(_dest, appendOnly: true);
        var linked = $"sh -c x reversecrypt-op begin {Next} - hardlink {Old} linked";
        Assert.DoesNotThrow(() => plain.Prepare(linked));
        Assert.That(Assert.Throws<ServeRefusedException>(() => appendOnly.Prepare(linked))!.Message, Does.Contain("btrfs or XFS"));
        Assert.Throws<ServeRefusedException>(() => plain.Prepare($"sh -c x reversecrypt-op begin {Next} - btrfs {Old} linked"),
            "linked goes only with a new hardlink or reflink snapshot");
        Assert.Throws<ServeRefusedException>(() => plain.Prepare($"sh -c x reversecrypt-op begin {Next} {New} reflink {Old} linked"),
            "a resumed snapshot is never linked");
        Assert.Throws<ServeRefusedException>(() => plain.Prepare($"sh -c x reversecrypt-op unlink {New} ../{Old}/x"));
        File.CreateSymbolicLink(Path.Combine(_dest, "snapshots", New + ".incomplete", "lnk"), "/etc");
        Assert.DoesNotThrow(() => plain.Prepare($"sh -c x reversecrypt-op unlink {New} lnk"), "the link itself may go");
        var e = Assert.Throws<ServeRefusedException>(() => appendOnly.Prepare($"sh -c x reversecrypt-op unlink {New} lnk/passwd"));
        Assert.That(e!.Message, Does.Contain("symlink"));
    }

    [Test]
    public void LinkedReflinkBegin_IsAWholeCopyUnderAppendOnly_ReflinkStepOnlyBelowTheIncompleteSnapshot()
    {
        const string Next = "2025-06-03T021500Z";
        var plain = new ServeEndpoint(_dest, appendOnly: false);
        var appendOnly = new ServeEndpoint(_dest, appendOnly: true);
        var linked = $"sh -c x reversecrypt-op begin {Next} - reflink {Old} linked";
        var linkedScript = DestinationOp.Begin(Next, null, SnapshotMode.Reflink, Old, linkClone: true).Script(plain.Real);
        var copyScript = DestinationOp.Begin(Next, null, SnapshotMode.Reflink, Old).Script(plain.Real);
        Assert.That(linkedScript, Does.Contain("cp -al").And.Contain(".linked"));
        Assert.That(copyScript, Does.Not.Contain("cp -al").And.Contain("--reflink=always"));
        Assert.That(plain.Prepare(linked).Arguments[1], Is.EqualTo(linkedScript));
        // Only when the destination is XFS or btrfs does append-only begin at all (a tmpfs or ext4 test directory is refused).
        if (Run.ProgramOk("stat", ["-f", "-c", "%T", _dest]).Stdout.Trim() is "xfs" or "btrfs")
            Assert.That(appendOnly.Prepare(linked).Arguments[1], Is.EqualTo(copyScript), "append-only shares no committed inode");
        else
            Assert.That(Assert.Throws<ServeRefusedException>(() => appendOnly.Prepare(linked))!.Message, Does.Contain("btrfs or XFS"));

        Assert.That(plain.Prepare($"sh -c x reversecrypt-op reflink {New} 'a/b' c").Arguments[1],
            Is.EqualTo(DestinationOp.Reflink(New, ["a/b", "c"]).Script(plain.Real)));
        Assert.DoesNotThrow(() => appendOnly.Prepare($"sh -c x reversecrypt-op reflink {New} 'a/b' c"), "it only reads committed inodes");
        Assert.Throws<ServeRefusedException>(() => plain.Prepare($"sh -c x reversecrypt-op reflink {New} ../{Old}/x"));
        File.CreateSymbolicLink(Path.Combine(_dest, "snapshots", New + ".incomplete", "lnk"), "/etc");
        var e = Assert.Throws<ServeRefusedException>(() => plain.Prepare($"sh -c x reversecrypt-op reflink {New} lnk/passwd"));
        Assert.That(e!.Message, Does.Contain("symlink"));
    }

    [Test]
    public void Words_AreSplitLikeSh_WithoutExpansion()
    {
        Assert.That(ServeWords.Split(@"rsync a\ b 'c d' ""e\""f"" g'h'"), Is.EqualTo(new[] { "rsync", "a b", "c d", "e\"f", "gh" }));
        Assert.Throws<FormatException>(() => ServeWords.Split("a `id`"));
        Assert.Throws<FormatException>(() => ServeWords.Split("a 'b"));
        Assert.Throws<FormatException>(() => ServeWords.Split("a > b"));
    }
}
