namespace ReverseCrypt.Integration.Tests;

/// <summary>Issue 12, point 6: unknown options, a passfile or exclude file that is a directory, and failures printed
/// once (on stderr).</summary>
public class CliOptionFaultTests
{
    private static readonly string[] Commands =
        ["init", "info", "passwd", "masterkey", "speed", "mount", "unmount", "backup", "verify", "restore", "fsck", "path", "demo"];

    private TempDir _tmp = null!;
    private string _passfile = null!;
    private string _plain = null!;

    [OneTimeSetUp]
    public void MakeConfig()
    {
        _tmp = new TempDir();
        _passfile = _tmp.File("pass", "fault password\n");
        _plain = _tmp.Sub("plain");
        File.WriteAllText(Path.Combine(_plain, "a.txt"), "a\n");
        var init = Run.Cli("init", "--reverse", "--scryptn", "10", "--passfile", _passfile, _plain);
        Assert.That(init.ExitCode, Is.Zero, init.ToString());
    }

    [OneTimeTearDown]
    public void TearDown() => _tmp?.Dispose();

    /// <summary>The launcher may print "reversecrypt: building ..." first; everything else is the program's.</summary>
    private static string Stderr(ProcessResult r) =>
        string.Concat(r.Stderr.Split('\n').Where(l => !l.StartsWith("reversecrypt: building", StringComparison.Ordinal)).Select(l => l + "\n")).TrimEnd('\n');

    [TestCaseSource(nameof(Commands))]
    public void UnknownOption_IsRejectedByEveryCommand_Exit2(string command)
    {
        var dest = _tmp.Child("dest-" + command);

        var r = Run.Cli(command, "--frobnicate", _plain, dest);

        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(Stderr(r), Is.EqualTo($"reversecrypt: unknown option '--frobnicate'\nTry 'reversecrypt {command} --help'."), r.ToString());
        Assert.That(r.Stdout, Is.Empty);
        Assert.That(Path.Exists(dest), Is.False, "nothing was done");
    }

    [Test]
    public void UnknownOption_WithValueAndAfterThePaths_IsNamedWithoutItsValue()
    {
        var r = Run.Cli("backup", "--passfile", _passfile, _plain, _tmp.Child("dest"), "--frobnicate=3");

        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(Stderr(r), Does.StartWith("reversecrypt: unknown option '--frobnicate'\n"), r.ToString());
        var shortOption = Run.Cli("fsck", "-x", _plain);
        Assert.That(shortOption.ExitCode, Is.EqualTo(2), shortOption.ToString());
        Assert.That(Stderr(shortOption), Does.StartWith("reversecrypt: unknown option '-x'\n"));
    }

    [Test]
    public void PathStartingWithDash_IsUsableAfterDoubleDash()
    {
        var work = _tmp.Sub("dash");
        Directory.CreateDirectory(Path.Combine(work, "-plain"));
        var init = Run.Program(Repo.Launcher, ["init", "--reverse", "--scryptn", "10", "--passfile", _passfile, "--", "-plain"],
            workingDirectory: work);
        Assert.That(init.ExitCode, Is.Zero, init.ToString());
        Assert.That(File.Exists(Path.Combine(work, "-plain", ".gocryptfs.reverse.conf")), Is.True);

        var info = Run.Program(Repo.Launcher, ["info", "--", "-plain/.gocryptfs.reverse.conf"], workingDirectory: work);

        Assert.That(info.ExitCode, Is.Zero, info.ToString());
        Assert.That(info.Stdout, Does.Contain("Reverse mode:  yes"));
        var withoutDoubleDash = Run.Program(Repo.Launcher, ["info", "-plain/.gocryptfs.reverse.conf"], workingDirectory: work);
        Assert.That(withoutDoubleDash.ExitCode, Is.EqualTo(2), withoutDoubleDash.ToString());
        Assert.That(Stderr(withoutDoubleDash), Does.StartWith("reversecrypt: unknown option '-plain/.gocryptfs.reverse.conf'"));
    }

    [Test]
    public void PassfileThatIsADirectory_SaysSo_Exit13()
    {
        var dir = _tmp.Sub("passdir");

        var r = Run.Cli("masterkey", "--passfile", dir, _plain);

        Assert.That(r.ExitCode, Is.EqualTo(13), r.ToString());
        Assert.That(Stderr(r), Is.EqualTo($"reversecrypt: --passfile {dir}: is a directory"));
        Assert.That(r.Stdout, Is.Empty);
        var passwd = Run.Cli("passwd", "--passfile", _passfile, "--new-passfile", dir, _plain);
        Assert.That(passwd.ExitCode, Is.EqualTo(13), passwd.ToString());
        Assert.That(Stderr(passwd), Is.EqualTo($"reversecrypt: --new-passfile {dir}: is a directory"));
    }

    [Test]
    public void ExcludeFromADirectory_SaysSo_Exit2()
    {
        var dir = _tmp.Sub("excludedir");

        var r = Run.Cli("backup", "--passfile", _passfile, "--exclude-from", dir, _plain, _tmp.Child("dest-exclude"));

        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(Stderr(r), Is.EqualTo($"reversecrypt: --exclude-from {dir}: is a directory"));
        Assert.That(r.Stdout, Is.Empty);
    }

    [Category("TransportAgnostic")] // where a failure is printed
    [Test]
    [Category("Mount")]
    public void BackupFailure_IsPrintedOnce_OnStderr()
    {
        Require.Fuse();
        Require.Tool("rsync");

        var r = Run.Cli("backup", "--passfile", _passfile, "--ssh", "false", _plain, "root@127.0.0.1:/nonexistent-reversecrypt-test");

        Assert.That(r.ExitCode, Is.Not.Zero, r.ToString());
        var failure = Stderr(r).Split('\n').Single(l => l.StartsWith("reversecrypt: ", StringComparison.Ordinal));
        Assert.That(r.Stdout, Does.Not.Contain("FAILED"), r.ToString());
        Assert.That(r.Stdout, Does.Not.Contain(failure["reversecrypt: ".Length..]), "not also on stdout");
        Assert.That(r.Stdout, Does.StartWith($"Backup of {_plain} to root@127.0.0.1:"), "the summary stays on stdout");
    }
}
