using System.Diagnostics;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// An rsync started before its file list (<see cref="RsyncProcess.Start"/> with input, <c>--files-from=-</c>), as a
/// change-driven backup starts it while the destination prepares the snapshot. What that relies on is rsync's own
/// behaviour, pinned here with the real rsync, locally and over a real sshd: the receiving side creates nothing until
/// the list arrives, and one killed before that leaves nothing behind.
/// </summary>
public class RsyncChildTests
{
    private SshServer _ssh = null!;
    private TestDirectory _tmp = null!;

    [OneTimeSetUp]
    public void StartSsh() => _ssh = new SshServer();

    [OneTimeTearDown]
    public void StopSsh() => _ssh.Dispose();

    [SetUp]
    public void SetUp()
    {
        Require.Tool("rsync");
        _tmp = new TestDirectory();
    }

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    /// <summary>Starts an rsync of a two-file source into <c>dest/snap.incomplete</c> (which does not exist yet) with
    /// its list to come on its input, and returns once its receiving side runs (over ssh: a child of an sshd session;
    /// locally: rsync's own fork, started with it).</summary>
    private RsyncChild StartBeforeItsList(bool remote, out string target)
    {
        var source = _tmp.Sub("src");
        File.WriteAllText(Path.Combine(source, "a"), "a\n");
        File.WriteAllText(Path.Combine(source, "b"), "b\n");
        target = Path.Combine(_tmp.Path, "dest", "snap.incomplete");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var includes = Path.Combine(_tmp.Path, "includes");
        File.WriteAllText(includes, "/a\0/b\0");
        var arguments = RsyncArguments.ForChanges(source, remote ? "root@127.0.0.1:" + target : target, "-", includes,
            remote ? _ssh.SshCommand : null, null, null, dryRun: false);
        var before = Receivers();
        var rsync = RsyncProcess.Start(arguments, input: true);
        try
        {
            if (remote) WaitForReceivers(before + 1);
            return rsync;
        }
        catch
        {
            rsync.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the receiving rsync runs (over ssh: a child of an sshd session; locally: rsync's fork),
    /// so that the assertions below are about a receiver that is there and waiting.</summary>
    private static void WaitForReceivers(int count)
    {
        var clock = Stopwatch.StartNew();
        while (Receivers() < count)
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the receiving rsync never started");
            Thread.Sleep(50);
        }
    }

    private static int Receivers() =>
        Run.Shell("pgrep -f '^[r]sync --server' || true").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    [TestCase(false)]
    [TestCase(true)]
    public void BeforeItsList_RsyncCreatesNothing_AndAKilledOneLeavesNothing(bool remote)
    {
        using var rsync = StartBeforeItsList(remote, out var target);
        Thread.Sleep(500);
        Assert.That(Directory.Exists(target), Is.False, "the receiver created the target before the list");
        rsync.Abandon();
        var run = rsync.Wait();
        Assert.That(run.ExitCode, Is.Not.EqualTo(0));
        Assert.That(run.Cancelled, Is.True);
        Thread.Sleep(500);
        Assert.That(Directory.Exists(target), Is.False, "a killed rsync created the target");
        Assert.That(Directory.GetFileSystemEntries(Path.GetDirectoryName(target)!), Is.Empty);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void TheListSentLater_IsTransferredIntoWhatWasMadeMeanwhile(bool remote)
    {
        using var rsync = StartBeforeItsList(remote, out var target);
        // What begin does meanwhile: the snapshot directory, with what it already holds.
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "kept"), "kept\n");
        rsync.Send("a\0"u8);
        var run = rsync.Wait();
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
        Assert.That(File.ReadAllText(Path.Combine(target, "a")), Is.EqualTo("a\n"));
        Assert.That(File.Exists(Path.Combine(target, "b")), Is.False, "only the listed path");
        Assert.That(File.ReadAllText(Path.Combine(target, "kept")), Is.EqualTo("kept\n"));
    }
}
