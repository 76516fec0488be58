namespace ReverseCrypt.Integration.Tests;

/// <summary>init / info / passwd / masterkey and the password sources, against the real gocryptfs.</summary>
[Category("Gocryptfs")]
public class CliConfigTests
{
    private const string Password = "correct horse battery staple";
    private TestDirectory _tmp = null!;
    private string _passfile = null!;

    [SetUp]
    public void SetUp()
    {
        _tmp = new TestDirectory();
        _passfile = _tmp.File("pass", Password + "\n");
    }

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    private string InitReverse(string dir, params string[] extra)
    {
        var r = Run.Cli(["init", "--reverse", "--scryptn", "10", "--passfile", _passfile, .. extra, dir]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        return Path.Combine(dir, ".gocryptfs.reverse.conf");
    }

    [Test, Category("Mount")]
    public void InitReverse_ConfigMountsWithGocryptfsReverse()
    {
        var plain = _tmp.Sub("plain");
        File.WriteAllText(Path.Combine(plain, "hello.txt"), "hello");
        var conf = InitReverse(plain);
        Assert.That(Convert.ToString((int)File.GetUnixFileMode(conf), 8), Is.EqualTo("400"));
        var mnt = _tmp.Sub("mnt");
        Gocryptfs.Mount(["-reverse", "-passfile", _passfile], plain, mnt);
        try
        {
            var names = Directory.GetFileSystemEntries(mnt).Select(Path.GetFileName).ToList();
            Assert.That(names, Does.Contain("gocryptfs.conf").And.Contain("gocryptfs.diriv"));
            Assert.That(names, Has.Count.EqualTo(3), "the encrypted hello.txt is listed");
        }
        finally
        {
            Gocryptfs.Unmount(mnt);
        }
    }

    [Test]
    public void Masterkey_EqualsGocryptfsXrayDump_ForOurConfig()
    {
        var conf = InitReverse(_tmp.Sub("plain"));
        var ours = Run.Cli("masterkey", "--passfile", _passfile, conf);
        Assert.That(ours.ExitCode, Is.EqualTo(0), ours.ToString());
        Assert.That(ours.Stderr, Does.Contain("WARNING"));
        Assert.That(Gocryptfs.Hex(ours.Stdout), Is.EqualTo(Gocryptfs.DumpMasterKey(conf, Password)));
    }

    [Test]
    public void GocryptfsInitReverse_OpensWithOurs_SameMasterKey()
    {
        Require.Tool("gocryptfs");
        var plain = _tmp.Sub("plain");
        var init = Run.Program("gocryptfs", ["-init", "-reverse", "-q", "-scryptn", "10", "-passfile", _passfile, plain]);
        Assert.That(init.ExitCode, Is.EqualTo(0), init.ToString());
        var conf = Path.Combine(plain, ".gocryptfs.reverse.conf");
        var ours = Run.Cli("masterkey", "--passfile", _passfile, plain);
        Assert.That(ours.ExitCode, Is.EqualTo(0), ours.ToString());
        Assert.That(Gocryptfs.Hex(ours.Stdout), Is.EqualTo(Gocryptfs.DumpMasterKey(conf, Password)));
        var info = Run.Cli("info", plain);
        Assert.That(info.ExitCode, Is.EqualTo(0), info.ToString());
        Assert.That(info.Stdout, Does.Contain("AESSIV").And.Contain("gocryptfs 2.3").And.Contain("N=1024"));
    }

    [Test]
    public void Init_RefusesExistingConfig_AndLeavesItUntouched()
    {
        var plain = _tmp.Sub("plain");
        var conf = InitReverse(plain);
        var before = File.ReadAllBytes(conf);
        var again = Run.Cli("init", "--reverse", "--scryptn", "10", "--passfile", _passfile, plain);
        Assert.That(again.ExitCode, Is.EqualTo(16), again.ToString());
        Assert.That(again.Stderr, Does.Contain("already exists"));
        Assert.That(File.ReadAllBytes(conf), Is.EqualTo(before));
    }

    [Test]
    public void Passwd_ChangesPassword_KeepsMasterKey()
    {
        var conf = InitReverse(_tmp.Sub("plain"));
        var keyBefore = Gocryptfs.DumpMasterKey(conf, Password);
        var newPass = _tmp.File("newpass", "another password\n");
        var r = Run.Cli("passwd", "--passfile", _passfile, "--new-passfile", newPass, conf);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(Gocryptfs.DumpMasterKey(conf, "another password"), Is.EqualTo(keyBefore));
        var old = Run.Cli("masterkey", "--passfile", _passfile, conf);
        Assert.That(old.ExitCode, Is.EqualTo(12), old.ToString());
    }

    [Test]
    public void WrongPassword_OneLineMessage_Exit12()
    {
        var conf = InitReverse(_tmp.Sub("plain"));
        var wrong = _tmp.File("wrong", "not it\n");
        var r = Run.Cli("masterkey", "--passfile", wrong, conf);
        Assert.That(r.ExitCode, Is.EqualTo(12), r.ToString());
        Assert.That(r.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("wrong password"));
        Assert.That(r.Stdout, Is.Empty);
    }

    [Test]
    public void MissingConfig_SaysToRunInit_Exit14()
    {
        var plain = _tmp.Sub("plain");
        var r = Run.Cli("masterkey", "--passfile", _passfile, plain);
        Assert.That(r.ExitCode, Is.EqualTo(14), r.ToString());
        Assert.That(r.Stderr, Does.Contain("reversecrypt init --reverse"));
    }

    [TestCase("{ not json", "json")]
    [TestCase("", "empty")]
    public void CorruptConfig_Exit15(string content, string expectedWord)
    {
        var conf = _tmp.File("broken.conf", content);
        var r = Run.Cli("info", conf);
        Assert.That(r.ExitCode, Is.EqualTo(15), r.ToString());
        Assert.That(r.Stderr.ToLowerInvariant(), Does.Contain(expectedWord));
        Assert.That(r.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void UnknownFeatureFlag_Exit15_NamesTheFlag()
    {
        var conf = InitReverse(_tmp.Sub("plain"));
        var text = File.ReadAllText(conf).Replace("\"AESSIV\"", "\"AESSIV\",\n\t\t\"TimeTravel\"", StringComparison.Ordinal);
        var broken = _tmp.File("flag.conf", text);
        var r = Run.Cli("masterkey", "--passfile", _passfile, broken);
        Assert.That(r.ExitCode, Is.EqualTo(15), r.ToString());
        Assert.That(r.Stderr, Does.Contain("TimeTravel"));
    }

    [Test]
    public void EmptyPassfile_Exit13_AndInitWritesNothing()
    {
        var plain = _tmp.Sub("plain");
        var empty = _tmp.File("empty", "");
        var r = Run.Cli("init", "--reverse", "--passfile", empty, plain);
        Assert.That(r.ExitCode, Is.EqualTo(13), r.ToString());
        Assert.That(r.Stderr, Does.Contain("empty"));
        Assert.That(Directory.GetFileSystemEntries(plain), Is.Empty);
    }

    [Test]
    public void FailingExtpass_Exit13()
    {
        var conf = InitReverse(_tmp.Sub("plain"));
        var r = Run.Cli("masterkey", "--extpass", "exit 3", conf);
        Assert.That(r.ExitCode, Is.EqualTo(13), r.ToString());
        Assert.That(r.Stderr, Does.Contain("exit code 3"));
    }

    [Test]
    public void Extpass_FirstLineIsThePassword()
    {
        var conf = InitReverse(_tmp.Sub("plain"));
        var r = Run.Cli("masterkey", "--extpass", $"printf '{Password}\\nsecond line\\n'", conf);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
    }

    [Test]
    public void MasterkeyOption_DashesIgnored_BadHexIsUsageError()
    {
        var conf = InitReverse(_tmp.Sub("plain"));
        var bad = Run.Cli("passwd", "--masterkey", "12-34", "--new-passfile", _passfile, conf);
        Assert.That(bad.ExitCode, Is.EqualTo(2), bad.ToString());
    }
}
