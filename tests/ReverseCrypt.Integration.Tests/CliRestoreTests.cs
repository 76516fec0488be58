namespace ReverseCrypt.Integration.Tests;

/// <summary>The restore side through the CLI: a copy of our reverse view, read back by `mount`, `restore`, `fsck`
/// and `path`, including with the master key alone and after damage.</summary>
[Category("Mount")]
public class CliRestoreTests
{
    private const string Password = "restore password";
    private TestDirectory _tmp = null!;
    private string _passfile = null!;
    private string _plain = null!;
    private string _copy = null!;
    private string _masterkey = null!;

    [OneTimeSetUp]
    public void MakeBackupCopy()
    {
        Require.Fuse();
        Require.Tool("rsync");
        _tmp = new TestDirectory();
        _passfile = _tmp.File("pass", Password + "\n");
        _plain = _tmp.Sub("plain");
        Directory.CreateDirectory(Path.Combine(_plain, "docs", "deep"));
        File.WriteAllText(Path.Combine(_plain, "docs", "letter.txt"), "Dear backup,\n");
        File.WriteAllBytes(Path.Combine(_plain, "docs", "deep", "data.bin"), Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray());
        File.CreateSymbolicLink(Path.Combine(_plain, "link"), "docs/letter.txt");
        Assert.That(Run.Shell($"setfattr -n user.note -v hello '{_plain}/docs/letter.txt'").ExitCode, Is.EqualTo(0));
        Assert.That(Run.Cli("init", "--reverse", "--scryptn", "10", "--passfile", _passfile, _plain).ExitCode, Is.EqualTo(0));
        _masterkey = Run.Cli("masterkey", "--passfile", _passfile, _plain).Stdout.Trim();
        var view = _tmp.Sub("view");
        var m = Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, view);
        Assert.That(m.ExitCode, Is.EqualTo(0), m.ToString());
        _copy = _tmp.Sub("copy");
        var rsync = Run.Program("rsync", ["-aHAX", "--modify-window=-1", "--numeric-ids", view + "/", _copy + "/"]);
        Assert.That(rsync.ExitCode, Is.EqualTo(0), rsync.ToString());
        Assert.That(Run.Cli("unmount", view).ExitCode, Is.EqualTo(0));
    }

    [OneTimeTearDown]
    public void TearDown() => _tmp?.Dispose();

    private void AssertSameAsPlain(string dir)
    {
        // The independent oracle (tests/tree-manifest.py): names, types, modes, owners, sizes, ns mtimes, hard links,
        // xattrs and ACLs, contents.
        var differences = TreeManifest.Compare(_plain, dir, skipRootNames: ".gocryptfs.reverse.conf");
        Assert.That(differences, Is.Empty, string.Join("\n", differences));
        var xattr = Run.Shell($"getfattr --only-values -n user.note '{dir}/docs/letter.txt'");
        Assert.That(xattr.Stdout, Is.EqualTo("hello"), xattr.ToString());
    }

    /// <summary>A copy of the backup in which one ciphertext byte of docs/deep/data.bin is flipped: the copy's path
    /// and that file's path inside it.</summary>
    private (string Dir, string CipherPath) DamagedCopy(string id)
    {
        var damaged = _tmp.Sub("damaged-" + id);
        Assert.That(Run.Shell($"cp -a '{_copy}/.' '{damaged}/'").ExitCode, Is.EqualTo(0));
        var cipherPath = Run.Cli("path", "--passfile", _passfile, "--encrypt", "docs/deep/data.bin", damaged).Stdout.Trim();
        var file = Path.Combine(damaged, cipherPath);
        var bytes = File.ReadAllBytes(file);
        bytes[5000] ^= 0x01;
        File.WriteAllBytes(file, bytes);
        return (damaged, cipherPath);
    }

    [Test]
    public void ForwardMount_ShowsThePlaintext()
    {
        var mnt = _tmp.Sub("fwd-" + Guid.NewGuid().ToString("N"));
        var r = Run.Cli("mount", "--passfile", _passfile, _copy, mnt);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        try
        {
            AssertSameAsPlain(mnt);
        }
        finally
        {
            Run.Cli("unmount", mnt);
        }
    }

    [Test]
    public void ForwardMount_BackgroundWithLog_TheLogNamesADamagedFile()
    {
        var id = Guid.NewGuid().ToString("N");
        var (damaged, cipherPath) = DamagedCopy(id);
        var mnt = _tmp.Sub("fwd-" + id);
        var log = _tmp.Child("forward-" + id + ".log");
        var r = Run.Cli("mount", "--log", log, "--passfile", _passfile, damaged, mnt);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var text = BackgroundDaemon.UseUnmountAndReadLog(log, mnt, () =>
        {
            var read = Run.Shell($"cat {Run.Quote(Path.Combine(mnt, "docs", "deep", "data.bin"))} >/dev/null");
            Assert.That(read.Stderr, Does.Contain("Input/output error"), read.ToString());
        });
        Assert.That(text, Does.Contain("Damaged: " + cipherPath).And.Contain("docs/deep/data.bin"), text);
    }

    [Test]
    public void Restore_WithMasterkeyOnly_NoConfig_RecreatesTheTree()
    {
        var noConfig = _tmp.Sub("copy-noconf-" + Guid.NewGuid().ToString("N"));
        Assert.That(Run.Shell($"cp -a '{_copy}/.' '{noConfig}/' && rm '{noConfig}/gocryptfs.conf' && touch -r '{_copy}' '{noConfig}'").ExitCode, Is.EqualTo(0));
        var target = Path.Combine(_tmp.Path, "restored-" + Guid.NewGuid().ToString("N"));
        var r = Run.Cli("restore", "--masterkey", _masterkey, noConfig, target);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Contain("Restored"));
        AssertSameAsPlain(target);
    }

    [Test]
    public void Restore_PathSelection_RestoresOnlyThatSubtree()
    {
        var target = Path.Combine(_tmp.Path, "partial-" + Guid.NewGuid().ToString("N"));
        var r = Run.Cli("restore", "--passfile", _passfile, "--path", "docs/deep", _copy, target);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(File.Exists(Path.Combine(target, "docs", "deep", "data.bin")), Is.True);
        Assert.That(File.Exists(Path.Combine(target, "docs", "letter.txt")), Is.False);
    }

    [Test]
    public void Path_EncryptThenDecrypt_RoundTrips()
    {
        var enc = Run.Cli("path", "--passfile", _passfile, "--encrypt", "docs/deep/data.bin", _copy);
        Assert.That(enc.ExitCode, Is.EqualTo(0), enc.ToString());
        var cipherPath = enc.Stdout.Trim();
        Assert.That(File.Exists(Path.Combine(_copy, cipherPath)), Is.True, "the cipher path exists in the copy");
        var dec = Run.Cli("path", "--passfile", _passfile, "--decrypt", cipherPath, _copy);
        Assert.That(dec.ExitCode, Is.EqualTo(0), dec.ToString());
        Assert.That(dec.Stdout.Trim(), Is.EqualTo("docs/deep/data.bin"));
    }

    [Test]
    public void Fsck_CleanCopy_Exit0_FlippedByte_Exit30_NamesTheFile()
    {
        var clean = Run.Cli("fsck", "--passfile", _passfile, _copy);
        Assert.That(clean.ExitCode, Is.EqualTo(0), clean.ToString());
        Assert.That(clean.Stdout, Does.Contain("clean."));

        var (damaged, cipherPath) = DamagedCopy(Guid.NewGuid().ToString("N"));
        var r = Run.Cli("fsck", "--passfile", _passfile, damaged);
        Assert.That(r.ExitCode, Is.EqualTo(30), r.ToString());
        Assert.That(r.Stdout, Does.Contain("docs/deep/data.bin"));

        var target = Path.Combine(_tmp.Path, "from-damaged-" + Guid.NewGuid().ToString("N"));
        var restore = Run.Cli("restore", "--passfile", _passfile, damaged, target);
        Assert.That(restore.ExitCode, Is.EqualTo(30), restore.ToString());
        Assert.That(restore.Stderr, Does.Contain("docs/deep/data.bin"));
        Assert.That(File.ReadAllText(Path.Combine(target, "docs", "letter.txt")), Is.EqualTo("Dear backup,\n"), "the rest is restored");
    }

    [Test]
    public void WrongPassword_Restore_Exit12_WritesNothing()
    {
        var wrong = _tmp.File("wrong-" + Guid.NewGuid().ToString("N"), "nope\n");
        var target = Path.Combine(_tmp.Path, "never-" + Guid.NewGuid().ToString("N"));
        var r = Run.Cli("restore", "--passfile", wrong, _copy, target);
        Assert.That(r.ExitCode, Is.EqualTo(12), r.ToString());
        Assert.That(Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any(), Is.False);
    }
}
