namespace ReverseCrypt.Operations.Tests;

/// <summary>
/// The encrypted tree comes from an untrusted server: objects of the wrong type or size where the format expects
/// small regular files (FIFOs must not block, oversized files must not be read whole), symlinks planted to lead
/// outside the tree, absurd nesting, and a target that contains symlinks. Built on the recorded vector tree.
/// </summary>
public sealed class HostileTreeTests
{
    private const string LongM = "gocryptfs.longname.ZA79nZCdzaPodQ42WXj-G6KrOCIL7SYOcWpBqKSX9po";
    private const string Subdir = "Vcuj0qWuypftLnu0bsbVJA";
    private const string One = "vsdwq_rJ3n6T6bjNlQtV1g";
    private TestDirectory _dir = null!;
    private string _cipher = null!;

    [SetUp]
    public void Extract()
    {
        _dir = new TestDirectory();
        _cipher = VectorTar.Extract("cipher_tree_reverse_view.tar", _dir.Sub("cipher"));
    }

    [TearDown]
    public void Cleanup() => _dir.Dispose();

    private (FsckReport Fsck, RestoreResult Restore) CheckBoth()
    {
        using var core = TestKeys.CreateCore();
        var fsck = Fsck.Run(new FsckOptions { CipherDir = _cipher }, core);
        var restore = Restorer.Run(new RestoreOptions { CipherDir = _cipher, Target = _dir.Child("restored-" + Guid.NewGuid().ToString("N")) }, core);
        return (fsck, restore);
    }

    private string C(string cipherPath) => Path.Combine(_cipher, cipherPath);

    [Test]
    public void OversizedDiriv_IsReportedAndNamesStillDecryptWithThePathIv()
    {
        File.AppendAllText(C(Subdir + "/gocryptfs.diriv"), "x");
        var (fsck, restore) = CheckBoth();
        Assert.That(fsck.Problems.Select(p => (p.Kind, p.CipherPathText)),
            Is.EqualTo(new[] { (CipherProblemKind.DirIvInvalid, Subdir + "/gocryptfs.diriv") }));
        Assert.That(restore.Failures, Is.Empty);
        Assert.That(restore.Counts.Files, Is.EqualTo(17));
    }

    [Test]
    public void FifoInPlaceOfDirivAndNameFile_NeitherBlocksNorIsOpened()
    {
        File.Delete(C(Subdir + "/gocryptfs.diriv"));
        Run.Ok($"mkfifo {Run.Quote(C(Subdir + "/gocryptfs.diriv"))} {Run.Quote(C("fifo-not-opened"))}");
        File.Delete(C(LongM + ".name"));
        Run.Ok($"mkfifo {Run.Quote(C(LongM + ".name"))}");
        string[] fifos = [C(Subdir + "/gocryptfs.diriv"), C("fifo-not-opened"), C(LongM + ".name")];
        using var watch = new OpenWatch(_dir.Path, fifos);
        var task = Task.Run(CheckBoth);
        Assert.That(task.Wait(TimeSpan.FromSeconds(60)), Is.True, "a FIFO made the reader block");
        // IN_OPEN is reported for any open, O_NONBLOCK included: not blocking is not enough, none may be opened.
        Assert.That(watch.Opened(), Is.Empty, "FIFOs opened");
        var (fsck, restore) = task.Result;
        Assert.That(fsck.Problems.Select(p => p.Kind), Is.EquivalentTo(new[]
        {
            CipherProblemKind.DirIvInvalid, CipherProblemKind.UnexpectedType, CipherProblemKind.NameUndecryptable,
        }));
        Assert.That(restore.Failures.Select(f => f.Problem!.Kind), Is.EquivalentTo(new[]
        {
            CipherProblemKind.UnexpectedType, CipherProblemKind.NameUndecryptable,
        }));
    }

    [Test]
    public void NameFileOfWrongSizeOrAsSymlink_IsReportedWithoutReadingIt()
    {
        File.Delete(C(LongM + ".name"));
        File.WriteAllBytes(C(LongM + ".name"), new byte[1 << 20]);
        const string LongC = "gocryptfs.longname.ava97_U9_YP1KltUGW9v1mGQ9WBJlQ26nEzKx0U_xso";
        File.Delete(C(LongC + ".name"));
        File.CreateSymbolicLink(C(LongC + ".name"), "/etc/passwd");
        var (fsck, _) = CheckBoth();
        Assert.That(fsck.Problems.Select(p => (p.Kind, p.CipherPathText)), Is.EquivalentTo(new[]
        {
            (CipherProblemKind.LongNameFileInvalid, LongM),
            (CipherProblemKind.UnexpectedType, LongC),
        }));
    }

    [Test]
    public void LostNameFile_TheFileCanStillBeRestoredByItsPlaintextPath()
    {
        File.Delete(C(LongM + ".name"));
        using var core = TestKeys.CreateCore();
        var target = _dir.Child("t");
        var result = Restorer.Run(new RestoreOptions { CipherDir = _cipher, Target = target, Paths = [Encoding.ASCII.GetBytes(new string('M', 255))] }, core);
        Assert.That(result.Failures, Is.Empty);
        Assert.That(File.ReadAllText(Path.Combine(target, new string('M', 255))), Is.EqualTo("MMMMMMMMMM"));
    }

    [Test]
    public void SymlinksPlantedInPlaceOfAFileAndADirectory_AreNeverFollowed()
    {
        File.Delete(C(One));
        File.CreateSymbolicLink(C(One), "/etc/passwd");
        Run.Ok($"rm -rf {Run.Quote(C(Subdir))}");
        File.CreateSymbolicLink(C(Subdir), "/etc");
        var (fsck, restore) = CheckBoth();
        Assert.That(fsck.Problems.Select(p => (p.Kind, p.CipherPathText)), Is.EquivalentTo(new[]
        {
            (CipherProblemKind.SymlinkInvalid, One),
            (CipherProblemKind.SymlinkInvalid, Subdir),
        }));
        Assert.That(restore.Failures.Select(f => f.ToString()), Has.Some.StartWith("one (").And.Some.StartWith("subdir ("));
        Assert.That(fsck.Counts.Directories, Is.Zero, "nothing below the planted symlink was walked");
    }

    [Test]
    public void DirectoriesNestedDeeperThanTheLimit_AreReportedWithoutExhaustingStackOrDescriptors()
    {
        // A valid reverse-mode chain of directories: each level named and IV'd as gocryptfs -reverse would.
        using var core = TestKeys.CreateCore();
        var names = new NameTransform(core);
        using var root = CipherIo.OpenRootDirectory(_cipher, out _)!;
        var fd = root;
        var cipherPath = Array.Empty<byte>();
        var owned = new List<SafeFd>();
        var iv = new byte[16];
        var cipherName = new byte[NameTransform.MaxCipherNameLength];
        for (int depth = 0; depth < Restorer.MaxDepth + 5; depth++)
        {
            names.ComputeDirIv(cipherPath, iv);
            int length = names.EncryptName(Encoding.ASCII.GetBytes("d" + depth), iv, cipherName);
            var name = cipherName.AsSpan(0, length).ToArray();
            Assert.That(Libc.MkdiratName(fd, name, 0x1ED), Is.EqualTo(Errno.OK));
            var child = CipherIo.OpenDirectory(fd, name, out _)!;
            cipherPath = BytePath.Join(cipherPath, name);
            names.ComputeDirIv(cipherPath, iv);
            using (var diriv = Libc.OpenatCreate(child, "gocryptfs.diriv"u8, Libc.OpenFlags.O_WRONLY | Libc.OpenFlags.O_CREAT, 0x124, out _)!)
            {
                Libc.PwriteFull(diriv, iv, 0);
            }
            if (fd != root)
            {
                fd.Dispose();
            }
            fd = child;
        }
        fd.Dispose();

        var (fsck, restore) = CheckBoth();
        Assert.That(fsck.Problems.Single().Detail, Does.Contain("deeper than"));
        Assert.That(restore.Failures.Single().Reason, Does.Contain("deeper than"));
        Assert.That(restore.Counts.Directories, Is.EqualTo(2 + Restorer.MaxDepth - 1));
    }

    [Test]
    public void SymlinkInTheTarget_IsNeverFollowed()
    {
        var target = _dir.Sub("target");
        var elsewhere = _dir.Sub("elsewhere");
        File.CreateSymbolicLink(Path.Combine(target, "subdir"), elsewhere);
        File.CreateSymbolicLink(Path.Combine(target, "one"), Path.Combine(elsewhere, "victim"));
        using var core = TestKeys.CreateCore();

        var result = Restorer.Run(new RestoreOptions { CipherDir = _cipher, Target = target }, core);
        Assert.That(Directory.EnumerateFileSystemEntries(elsewhere), Is.Empty, "nothing was written through a symlink");
        Assert.That(result.Failures.Select(f => (f.Kind, Encoding.UTF8.GetString(f.PlainPath!))),
            Is.EquivalentTo(new[] { (RestoreFailureKind.Conflict, "subdir"), (RestoreFailureKind.Conflict, "one") }));

        var replaced = Restorer.Run(new RestoreOptions { CipherDir = _cipher, Target = target, Overwrite = true }, core);
        Assert.That(replaced.Failures, Is.Empty, string.Join("\n", replaced.Failures));
        Assert.That(Directory.EnumerateFileSystemEntries(elsewhere), Is.Empty);
        Assert.That(new DirectoryInfo(Path.Combine(target, "subdir")).LinkTarget, Is.Null);
        Assert.That(File.ReadAllText(Path.Combine(target, "one")), Is.EqualTo("A"));
    }
}
