namespace ReverseCrypt.Integration.Tests;

/// <summary>The README's first quick-start command must work.</summary>
[Category("Mount")]
public class DemoTests
{
    [Test]
    public void Demo_RunsTheWholeJob_AndReportsIdentical()
    {
        Require.Fuse();
        Require.Tool("rsync");
        Require.Tool("gocryptfs");
        using var tmp = new TestDirectory();
        var r = Run.Program(Repo.Launcher, ["demo", "--dir", Path.Combine(tmp.Path, "demo")], timeout: TimeSpan.FromMinutes(3),
            workingDirectory: Repo.Root);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Contain("identical."));
        Assert.That(r.Stdout, Does.Contain("Number of regular files transferred: 1"), "the second rsync sends the changed file");
        Assert.That(Mounts.FuseMountsBelow(tmp.Path), Is.Empty);
    }
}
