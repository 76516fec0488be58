using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>The lease with a session (<see cref="LeaseSession"/>): the probe printed once the lock is held, and later
/// steps run over the lease itself, on a local destination with the real /bin/sh (a remote runs the same text over
/// ssh; BackupSnapshotTests and ChangeDrivenTests run whole backups that way).</summary>
public class LeaseSessionTests
{
    private const string First = "2025-01-01T000000Z";
    private const string Second = "2025-01-02T000000Z";

    private TestDirectory _tmp = null!;

    [SetUp]
    public void SetUp() => _tmp = new TestDirectory();

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    private static DestinationShell Shell(string dest) => new(BackupDestination.Parse(dest), ["ssh"]);

    private static DestinationLease Lease(DestinationShell shell, bool? probe = false, bool steps = true) =>
        DestinationLease.Acquire(shell, exclusive: true, create: true, TimeSpan.FromSeconds(5), LeaseSession.Create(probe, steps));

    /// <summary>The step run by /bin/sh on its own, as a session of its own would run it.</summary>
    private static ChildResult Alone(DestinationOp op, string dest) => ChildProcess.Run("/bin/sh", ["-c", op.Script(dest)]);

    [Test]
    public void TheProbe_ComesWithTheLock_AsTheProbeStepPrintsIt()
    {
        var dest = Path.Combine(_tmp.Path, "d e'st");
        var shell = Shell(dest);
        using (var lease = Lease(shell, probe: true))
        {
            Assert.That(lease.AbsolutePath, Is.EqualTo(dest));
            Assert.That(lease.RunsSteps, Is.True);
            Assert.That(lease.ProbeOutput, Is.EqualTo(Alone(DestinationOp.Probe(true), dest).Stdout));
            Assert.That(new SnapshotStore(shell).ParseProbe(lease.ProbeOutput!).Exists, Is.True);
        }
        using var plain = Lease(shell, probe: null, steps: false);
        Assert.That(plain.ProbeOutput, Is.Null, "no probe asked for");
        Assert.That(plain.RunsSteps, Is.False);
    }

    [Test]
    public void AReaderOfAMissingDestination_GetsTheProbe_AndCreatesNothing()
    {
        var dest = Path.Combine(_tmp.Path, "missing");
        var shell = Shell(dest);
        using var lease = DestinationLease.Acquire(shell, exclusive: false, create: false, TimeSpan.FromSeconds(5), LeaseSession.Create(false, true));
        Assert.That(lease.AbsolutePath, Is.Null);
        Assert.That(lease.RunsSteps, Is.True);
        var state = new SnapshotStore(shell).ParseProbe(lease.ProbeOutput!);
        Assert.That(state.Exists, Is.False);
        Assert.That(lease.RunStep(DestinationOp.Probe(false), dest).Stdout, Is.EqualTo(lease.ProbeOutput));
        Assert.That(Directory.Exists(dest), Is.False);
    }

    [Test]
    public void Steps_OverTheLease_GiveExactlyWhatTheyGiveAlone_AndAFailedStepKeepsTheLease()
    {
        var dest = _tmp.Sub("dest");
        var shell = Shell(dest);
        using var lease = Lease(shell);
        var store = new SnapshotStore(shell);
        store.Begin(First, null);
        File.WriteAllText(Path.Combine(dest, "snapshots", First + ".incomplete", "f"), "one\n");
        Directory.CreateDirectory(Path.Combine(dest, "snapshots", First + ".incomplete", "d"));
        DestinationOp[] ops =
        [
            DestinationOp.Probe(false),                      // several lines, ending with a newline
            DestinationOp.Hash(null, [$"snapshots/{First}.incomplete/f", $"snapshots/{First}.incomplete/missing"]), // output and stderr
            DestinationOp.Commit(Second, []),                // fails: mv's message on stderr, exit 1
            DestinationOp.Ensure(),                          // no output at all
        ];
        foreach (var op in ops)
        {
            var alone = Alone(op, dest);
            var over = lease.RunStep(op, dest);
            Assert.That(over.ExitCode, Is.EqualTo(alone.ExitCode), op.ToString());
            Assert.That(over.Stdout, Is.EqualTo(alone.Stdout), op.ToString());
            Assert.That(over.Stderr.TrimEnd('\n'), Is.EqualTo(alone.Stderr.TrimEnd('\n')), op.ToString());
        }
        Assert.That(lease.RunStep(DestinationOp.Commit(Second, []), dest).ExitCode, Is.Not.Zero, "the failing step fails");
        Assert.That(lease.RunStep(DestinationOp.Commit(First, []), dest).ExitCode, Is.Zero, "and the lease still runs the next one");
        Assert.That(new FileInfo(Path.Combine(dest, "latest")).LinkTarget, Is.EqualTo($"snapshots/{First}"));
        var e = Assert.Throws<BackupException>(() => Lease(Shell(dest)).Dispose(), "the lock is still held");
        Assert.That(e!.Kind, Is.EqualTo(BackupErrorKind.Busy));
    }

    [Test]
    public void TheShell_SendsItsStepsToTheLease_AndAStepFailsOnceTheLeaseEnded()
    {
        var dest = _tmp.Sub("dest");
        var shell = Shell(dest);
        var lease = Lease(shell);
        shell.Lease = lease;
        var store = new SnapshotStore(shell);
        store.Begin(First, null);
        store.Commit(First, []);
        Assert.That(store.Probe().Complete, Is.EqualTo(new[] { First }));
        lease.Dispose();
        // A step of its own would succeed here: it fails, so it went to the (ended) lease.
        var e = Assert.Throws<BackupException>(() => store.Begin(Second, null));
        Assert.That(e!.Kind, Is.EqualTo(BackupErrorKind.DestinationFailed));
        Assert.That(e.Message, Does.Contain("ended during the step 'begin'"));
        Assert.That(Directory.Exists(Path.Combine(dest, "snapshots", Second + ".incomplete")), Is.False);
        shell.Lease = null;
        store.Begin(Second, null);
        Assert.That(Directory.Exists(Path.Combine(dest, "snapshots", Second + ".incomplete")), "without a lease a step runs alone");
    }

    [Test]
    public void TheLeaseOp_CarriesItsSession_AndServeGetsItWithoutSteps()
    {
        var session = new LeaseSession("0123456789abcdef0123456789abcdef", Probe: true, Steps: true);
        var op = DestinationOp.Lease(exclusive: true, create: true, TimeSpan.FromSeconds(60), session);
        Assert.That(op.ToString(), Is.EqualTo("lease exclusive create 60 0123456789abcdef0123456789abcdef clones steps"));
        Assert.That(DestinationOp.Parse([.. op.Words]).Session, Is.EqualTo(session));
        var served = op.WithoutSteps();
        Assert.That(served.Session, Is.EqualTo(session with { Steps = false }));
        Assert.That(op.Script("/d"), Does.Contain("eval"));
        Assert.That(served.Script("/d"), Does.Not.Contain("eval"));
        Assert.Throws<FormatException>(() => DestinationOp.Parse(["lease", "exclusive", "create", "60", "not-hex-marker!!", "none", "hold"]));
        Assert.Throws<FormatException>(() => DestinationOp.Parse(["lease", "exclusive", "create", "60", "0123456789abcdef", "none"]));
        Assert.That(DestinationOp.Lease(true, true, TimeSpan.FromSeconds(60)).Session, Is.Null, "the old form still holds only the lock");
    }
}
