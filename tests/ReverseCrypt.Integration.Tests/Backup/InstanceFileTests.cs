using ReverseCrypt.Cli.Infrastructure;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>The instance-file syntax (a subset of systemd's EnvironmentFile=) and the word splitting of *_OPTIONS.</summary>
public class InstanceFileSyntaxTests
{
    [TestCase("/srv", "/srv")]
    [TestCase("ssh -i /k -p 22  ", "ssh -i /k -p 22")]
    [TestCase("\"a b \\\"c\\\" \\\\ \\$x\"", "a b \"c\" \\ $x")]
    [TestCase("\"\"", "")]
    [TestCase("", "")]
    public void Value_BareOrDoubleQuoted(string raw, string expected) =>
        Assert.That(InstanceFile.ParseValue(raw), Is.EqualTo(expected));

    [TestCase("'single'")]
    [TestCase("a\\b")]
    [TestCase("\"unterminated")]
    [TestCase("\"a\" trailing")]
    [TestCase("\"a \\n b\"")]
    [TestCase(" leading-blank")]
    public void Value_OutsideTheSubset_IsRefused(string raw) =>
        Assert.That(InstanceFile.ParseValue(raw), Is.Null);

    [Test]
    public void Words_SplitLikeAShell_WithoutExpansion()
    {
        Assert.That(InstanceFile.SplitWords("--snapshots  --exclude '/My Docs/' --ew \"*.tmp\" a\\ b $HOME ~ *"),
            Is.EqualTo(new[] { "--snapshots", "--exclude", "/My Docs/", "--ew", "*.tmp", "a b", "$HOME", "~", "*" }));
        Assert.That(InstanceFile.SplitWords("x'y z'\"w\""), Is.EqualTo(new[] { "xy zw" }));
        Assert.That(InstanceFile.SplitWords("'open"), Is.Null);
        Assert.That(InstanceFile.SplitWords("end\\"), Is.Null);
    }
}

/// <summary>The sample srv.conf's commented PRE and POST lines are valid once uncommented.</summary>
public class InstanceFileSampleHookTests
{
    [Test]
    public void SampleHooks_ParseAsWritten()
    {
        var sample = File.ReadAllLines(Path.Combine(Repo.Root, "samples", "nightly-backup", "srv.conf"));
        using var dir = new TestDirectory();
        var path = dir.File("hooks.conf", string.Join('\n', sample.Where(l => l.StartsWith("#PRE=", StringComparison.Ordinal) || l.StartsWith("#POST=", StringComparison.Ordinal)).Select(l => l[1..])) + "\n");
        var file = InstanceFile.Read(path);
        Assert.That(file.Get("PRE"), Is.EqualTo("pg_dumpall -f /srv/db-dumps/all.sql"));
        Assert.That(file.Get("POST"), Is.EqualTo("logger -t reversecrypt-post \"backup of /srv: $REVERSECRYPT_RESULT\""));
    }
}

/// <summary>`backup --instance` and `verify --instance` read $REVERSECRYPT_CONFIG_DIR/NAME.conf (a real mount, rsync).</summary>
[Category("Mount")]
[Category("TransportAgnostic")] // reading instance files
[NonParallelizable]
public class InstanceFileTests : BackupFixture
{
    private string _configDir = null!;
    private string _dest = null!;

    [SetUp]
    public void SetUp()
    {
        File.WriteAllText(Path.Combine(_s.Plain, "keep.txt"), "kept");
        Directory.CreateDirectory(Path.Combine(_s.Plain, "cache"));
        File.WriteAllText(Path.Combine(_s.Plain, "cache", "junk.bin"), "rebuilt on demand");
        Directory.CreateDirectory(Path.Combine(_s.Plain, "My Docs"));
        File.WriteAllText(Path.Combine(_s.Plain, "My Docs", "private.txt"), "left out by a quoted exclude");
        _s.Init();
        _configDir = _s.Sub("etc");
        _dest = Path.Combine(_s.Root, "backup dest");
        File.WriteAllText(Path.Combine(_configDir, "t.exclude"), "/cache/\n");
    }

    private string WriteInstance(string text, string name = "t")
    {
        var path = Path.Combine(_configDir, name + ".conf");
        File.WriteAllText(path, text);
        return path;
    }

    private ProcessResult Cli(params string[] args) => Run.Program(Repo.Launcher, args,
        env: new Dictionary<string, string> { ["RUNTIME_DIRECTORY"] = _s.Runtime, [InstanceFile.DirectoryVariable] = _configDir },
        timeout: TimeSpan.FromMinutes(5), workingDirectory: Repo.Root);

    private string GoodInstance() => WriteInstance(
        "# a comment\n" +
        "; another comment\n\n" +
        $"SOURCE={_s.Plain}\n" +
        $"DEST=\"{_dest}\"\n" +
        "SSH=ssh -o BatchMode=yes\n" +
        $"BACKUP_OPTIONS=\"--snapshots --keep-daily 7 --exclude-from {_configDir}/t.exclude --exclude '/My Docs/' --one-file-system\"\n" +
        "VERIFY_OPTIONS=\"\"\n" +
        "MOUNTPOINT=/mnt/unused\n");

    [Test]
    public void InstanceFile_DrivesBackupAndVerify_WithoutRepeatingTheExcludes()
    {
        GoodInstance();
        var backup = Cli("backup", "--instance", "t", "--passfile", _s.Passfile, "--json");
        Assert.That(backup.ExitCode, Is.EqualTo(0), backup.ToString());
        var snapshots = Directory.GetDirectories(Path.Combine(_dest, "snapshots"));
        Assert.That(snapshots, Has.Length.EqualTo(1), "--snapshots from BACKUP_OPTIONS");
        var restored = _s.RestoreWithGocryptfs(Path.Combine(_dest, "latest"), "instance");
        Assert.That(File.ReadAllText(Path.Combine(restored, "keep.txt")), Is.EqualTo("kept"));
        Assert.That(Directory.Exists(Path.Combine(restored, "cache")), Is.False, "--exclude-from from BACKUP_OPTIONS");
        Assert.That(Directory.Exists(Path.Combine(restored, "My Docs")), Is.False, "the quoted --exclude");

        var verify = Cli("verify", "--instance", "t", "--passfile", _s.Passfile);
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());
        Assert.That(verify.Stdout, Does.StartWith("OK:"));
        // The excludes matter: without the instance file verify sees the left-out files as missing.
        var bare = Cli("verify", "--passfile", _s.Passfile, _s.Plain, _dest);
        Assert.That(bare.ExitCode, Is.EqualTo(30), bare.ToString());
        Assert.That(bare.Stdout, Does.Contain("missing from the backup: cache"));

        // VERIFY_OPTIONS adds verify's own options; a command-line exclude adds to the file's.
        WriteInstance(File.ReadAllText(Path.Combine(_configDir, "t.conf")).Replace("VERIFY_OPTIONS=\"\"", "VERIFY_OPTIONS=--json", StringComparison.Ordinal));
        var json = Cli("verify", "--instance", "t", "--passfile", _s.Passfile, "--exclude", "keep.txt");
        Assert.That(json.ExitCode, Is.EqualTo(30), json.ToString());
        Assert.That(json.Stdout.TrimStart(), Does.StartWith("{").And.Contain("\"identical\":false"));
        Assert.That(json.Stdout, Does.Contain("\"path\":\"keep.txt\"").And.Not.Contain("cache").And.Not.Contain("My Docs"),
            "the command line's exclude is added to the file's");
    }

    [Test]
    public void CommandLine_ReplacesDestAndSingleValueOptions()
    {
        GoodInstance();
        var other = Path.Combine(_s.Root, "other");
        // PLAINDIR DEST on the command line replace SOURCE and DEST; --dry-run adds; a given --keep-daily replaces the file's.
        var r = Cli("backup", "--instance", "t", "--passfile", _s.Passfile, "--json", "--keep-daily", "2", _s.Plain, other);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(Directory.Exists(Path.Combine(other, "snapshots")), "the file's --snapshots still applies");
        Assert.That(Directory.Exists(_dest), Is.False, "DEST from the command line replaced the file's");
        var dry = Cli("backup", "--instance", "t", "--passfile", _s.Passfile, "--json", "--dry-run");
        Assert.That(dry.ExitCode, Is.EqualTo(0), dry.ToString());
        Assert.That(Directory.Exists(_dest), Is.False, "a dry run creates nothing");
    }

    [TestCase("SOURCE=/srv\nRETENTION=7\n", 2, "unknown key 'RETENTION'")]
    [TestCase("SOURCE=/srv\n\nDEST='single quotes'\n", 3, "bad value for DEST")]
    [TestCase("BACKUP_OPTIONS=\"--snapshots --keep-daly 7\"\n", 1, "unknown option '--keep-daly' for backup")]
    [TestCase("# x\nBACKUP_OPTIONS=\"--exclude 'open\"\n", 2, "bad value for BACKUP_OPTIONS")]
    [TestCase("SSH=ssh\nSSH=ssh -p 2\n", 2, "SSH is set twice (first on line 1)")]
    [TestCase("DEST = /backup\n", 1, "no blanks around '='")]
    [TestCase("export DEST=/backup\n", 1, "no blanks around '='")]
    [TestCase("BACKUP_OPTIONS=/srv\n", 1, "'/srv' is not an option")]
    public void BadLine_Exit2_NamesTheFileAndLine(string text, int line, string message)
    {
        var path = WriteInstance(text, "bad");
        foreach (var command in new[] { "backup", "verify" })
        {
            var r = Cli(command, "--instance", "bad", "--passfile", _s.Passfile);
            Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
            Assert.That(r.Stderr.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), "one line: " + r.Stderr);
            Assert.That(r.Stderr, Does.StartWith($"reversecrypt: {path}:{line}: ").And.Contain(message));
        }
    }

    [Test]
    public void MissingInstance_Exit2_NamesTheFile()
    {
        var r = Cli("backup", "--instance", "nosuch", "--passfile", _s.Passfile);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Does.Contain(Path.Combine(_configDir, "nosuch.conf")));
        var slash = Cli("verify", "--instance", "../t", "--passfile", _s.Passfile);
        Assert.That(slash.ExitCode, Is.EqualTo(2), slash.ToString());
        Assert.That(slash.Stderr, Does.Contain("not an instance name"));
    }
}
