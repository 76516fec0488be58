namespace ReverseCrypt.Operations.Tests;

/// <summary>Trees made by `gocryptfs -reverse` with non-default options read back by restore, fsck and the forward
/// mount (the options come from the copy's gocryptfs.conf).</summary>
[Category("Mount")]
public sealed class VariantTreeTests
{
    [TestCase("-deterministic-names")]
    [TestCase("-plaintextnames")]
    [TestCase("-longnamemax", "100")]
    public void VariantTree_RestoresAndMountsIdentically(params string[] initFlags)
    {
        Require.Root();
        using var dir = new TestDirectory();
        var plain = dir.Sub("plain");
        new PlainTree(plain)
            .File("file.txt", "hi\n").Symlink("lnk", "file.txt").Dir("sub").File("sub/file.txt", "hi too\n")
            .File(new string('d', 70), "seventy\n").File(new string('n', 100), "hundred\n").File(new string('x', 255), "max\n")
            .Dir("sub/" + new string('D', 120)).File("sub/" + new string('D', 120) + "/deep", HardCaseTree.Bytes(9000, 1))
            .File("gocryptfs.diriv", "a plaintext file named like the IV file\n")
            .StampAllTimes(1_300_000_000);
        var copy = dir.Child("copy");
        Gocryptfs.BackupWithRsync(plain, copy, dir.Child("view"), initFlags);
        var expected = TreeSnapshot.Take(plain, ".gocryptfs.reverse.conf");
        using var core = Gocryptfs.OpenCore(Path.Combine(copy, "gocryptfs.conf"));

        var report = Fsck.Run(new FsckOptions { CipherDir = copy }, core);
        var result = Restorer.Run(new RestoreOptions { CipherDir = copy, Target = dir.Child("restored") }, core);

        Assert.That(report.Problems, Is.Empty, string.Join("\n", report.Problems));
        Assert.That(result.Failures, Is.Empty, string.Join("\n", result.Failures));
        expected.AssertSame(TreeSnapshot.Take(dir.Child("restored")), Compare.All & ~Compare.Xattrs, "restored " + string.Join(' ', initFlags));
        using var mount = new MountedForward(copy, core, dir.Child("mount"));
        expected.AssertSame(TreeSnapshot.Take(mount.MountPoint), Compare.All & ~Compare.Xattrs, "mounted " + string.Join(' ', initFlags));
    }
}
