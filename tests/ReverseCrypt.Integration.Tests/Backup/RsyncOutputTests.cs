using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

public class RsyncOutputTests
{
    [Test]
    public void Progress2Line_IsParsed()
    {
        Assert.That(RsyncOutputParser.TryParseProgress("     67633564  99%   59.80MB/s    0:00:01 (xfr#2, to-chk=5/9)", out var p), Is.True);
        Assert.That(p, Is.EqualTo(new RsyncProgress(67633564, 99, TimeSpan.FromSeconds(1), 2, 5, 9, true)));
        Assert.That(RsyncOutputParser.TryParseProgress("         32768   0%    0.00kB/s    0:00:00  ", out p), Is.True);
        Assert.That(p.Bytes, Is.EqualTo(32768));
        Assert.That(RsyncOutputParser.TryParseProgress("  1,234,567  12%  1.00MB/s  1:02:03 (xfr#3, ir-chk=1000/1200)", out p), Is.True);
        Assert.That(p, Is.EqualTo(new RsyncProgress(1234567, 12, new TimeSpan(1, 2, 3), 3, 1000, 1200, false)));
        Assert.That(RsyncOutputParser.TryParseProgress("Number of files: 9 (reg: 7, dir: 2)", out _), Is.False);
    }

    [Test]
    public void RealRsync_LocalCopy_GivesProgressAndStats()
    {
        Require.Tool("rsync");
        using var tmp = new TempDir();
        var source = tmp.Sub("src");
        File.WriteAllBytes(Path.Combine(source, "a"), new byte[300_000]);
        File.WriteAllText(Path.Combine(source, "b"), "b");
        var progress = new List<RsyncProgress>();
        var run = RsyncProcess.Run(RsyncArguments.ForBackup(source, tmp.Sub("dst"), null, null, null, dryRun: false), progress.Add);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(progress, Is.Not.Empty);
        Assert.That(progress[^1].Bytes, Is.EqualTo(300_001));
        Assert.That(run.Stats.FilesTransferred, Is.EqualTo(2));
        Assert.That(run.Stats.Files, Is.EqualTo(3));
        Assert.That(run.Stats.TotalFileSize, Is.EqualTo(300_001));
        Assert.That(run.Stats.BytesSent, Is.GreaterThan(300_000));
        Assert.That(run.Stats.Complete, Is.True);
    }

    [Test]
    public void RealRsync_MissingSource_IsASenderSidePartialTransfer()
    {
        Require.Tool("rsync");
        using var tmp = new TempDir();
        var run = RsyncProcess.Run(RsyncArguments.ForBackup(Path.Combine(tmp.Path, "missing"), tmp.Sub("dst"), null, null, null, false));
        Assert.That(run.ExitCode, Is.EqualTo(23));
        Assert.That(BackupRun.ClassifyTransfer(run, remote: false).Kind, Is.EqualTo(BackupErrorKind.PartialTransfer));
        Assert.That(RsyncDiagnostics.Parse(run.Stderr).Where(l => !l.Text.StartsWith("rsync error:", StringComparison.Ordinal)).Select(l => l.Side),
            Is.All.EqualTo(RsyncSide.Sender), run.Stderr);
        Assert.That(run.LastErrorLine, Does.Contain("missing"));
    }

    [TestCase("rsync: [receiver] write failed on \"/d/x\": No space left on device (28)", RsyncSide.Receiver, 28)]
    [TestCase("rsync: [receiver] mkstemp \"/d/.x.AbC\" failed: No space left on device (28)", RsyncSide.Receiver, 28)]
    [TestCase("rsync: [generator] recv_generator: mkdir \"/d/a\" failed: Read-only file system (30)", RsyncSide.Receiver, 30)]
    [TestCase("rsync: [sender] write error: Broken pipe (32)", RsyncSide.Sender, 32)]
    [TestCase("rsync: [sender] read errors mapping \"/v/a\": Input/output error (5)", RsyncSide.Sender, 5)]
    [TestCase("rsync: write failed on \"/d/x\": Disk quota exceeded (122)", RsyncSide.Receiver, 122)]
    [TestCase("rsync: link_stat \"/v/a\" failed: No such file or directory (2)", RsyncSide.Sender, 2)]
    [TestCase("rsync error: error in file IO (code 11) at receiver.c(657) [receiver=3.2.7]", RsyncSide.Receiver, null)]
    [TestCase("rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.2.7]", RsyncSide.Sender, null)]
    public void ErrorLines_TellTheirSideAndErrno(string line, RsyncSide side, int? errno)
    {
        var parsed = RsyncDiagnostics.Parse("noise\n" + line + "\n");
        Assert.That(parsed, Has.Count.EqualTo(1));
        Assert.That(parsed[0].Side, Is.EqualTo(side));
        Assert.That(parsed[0].Errno, Is.EqualTo(errno));
    }

    [Test]
    public void ADestinationError_IsTheCause_NotTheBrokenPipeAfterIt()
    {
        var stderr = "rsync: [receiver] write failed on \"/d/big\": No space left on device (28)\n"
            + "rsync error: error in file IO (code 11) at receiver.c(381) [receiver=3.2.7]\n"
            + "rsync: [sender] write error: Broken pipe (32)\n";
        var run = new RsyncRun(11, RsyncStats.Empty, [], stderr, false, TimeSpan.Zero);
        var (kind, cause) = BackupRun.ClassifyTransfer(run, remote: true);
        Assert.That(kind, Is.EqualTo(BackupErrorKind.DestinationFailed));
        Assert.That(cause!.Errno, Is.EqualTo(28));
        Assert.That(run.LastErrorLine, Does.Contain("Broken pipe"), "what the last line alone would have blamed");
    }

    [TestCase(0, false, true, null)]
    [TestCase(20, false, true, BackupErrorKind.Interrupted)]
    [TestCase(23, false, true, BackupErrorKind.PartialTransfer)]
    [TestCase(24, false, false, BackupErrorKind.PartialTransfer)]
    [TestCase(255, false, true, BackupErrorKind.RemoteUnreachable)]
    [TestCase(127, false, true, BackupErrorKind.ToolMissing)]
    [TestCase(12, false, true, BackupErrorKind.RsyncFailed)]
    [TestCase(12, true, true, BackupErrorKind.Interrupted)]
    public void ExitCodes_AreMapped(int code, bool cancelled, bool remote, BackupErrorKind? expected)
    {
        Assert.That(RsyncExitCode.Classify(code, cancelled, remote), Is.EqualTo(expected));
    }

    [Test]
    public void BackupArguments_HaveTheAgreedShape()
    {
        var args = RsyncArguments.ForBackup("/run/v", "h:/d/snapshots/N.incomplete", "ssh -p 2", "P", "5M", dryRun: false);
        Assert.That(args, Is.EqualTo(new[]
        {
            "-aHAX", "--numeric-ids", "--delete", "--no-h", "--filter=-x trusted.SGI_ACL_*", "--modify-window=-1", "--exclude=/.reversecrypt/", "--sparse", "--info=progress2,stats2",
            "--link-dest=../P", "--bwlimit=5M", "-e", "ssh -p 2", "--remote-option=--filter=-x trusted.SGI_ACL_*", "--compress", "--compress-choice=zstd", "--compress-level=1",
            "/run/v/", "h:/d/snapshots/N.incomplete/",
        }));
    }

    [TestCase("5M", true)]
    [TestCase("500", true)]
    [TestCase("1.5m", true)]
    [TestCase("10MiB", true)]
    [TestCase("fast", false)]
    [TestCase("-1", false)]
    public void BwLimit_IsChecked(string value, bool valid) => Assert.That(RsyncArguments.IsValidBwLimit(value), Is.EqualTo(valid));

    [Test]
    public void ProgressMeter_FormatsBytesRateEtaAndFiles()
    {
        var meter = new ProgressMeter();
        meter.Add(new RsyncProgress(0, 0, null, 0, 10, 20, false), TimeSpan.Zero);
        meter.Add(new RsyncProgress(10 << 20, 50, TimeSpan.FromSeconds(61), 3, 5, 20, true), TimeSpan.FromSeconds(1));
        Assert.That(meter.Rate, Is.EqualTo(10 << 20).Within(1));
        Assert.That(meter.Format(), Is.EqualTo("10.0 MiB  50%  10.0 MiB/s  ETA 0:01:01  files 3, checked 15/20"));
        meter.Add(new RsyncProgress(11 << 20, 40, TimeSpan.FromSeconds(5), 4, 10, 30, false), TimeSpan.FromSeconds(2));
        Assert.That(meter.Format(), Does.Contain("ETA ~0:00:05").And.EndWith("checked 20/30+"));
        Assert.That(meter.Format(width: 10), Has.Length.EqualTo(10));
    }
}
