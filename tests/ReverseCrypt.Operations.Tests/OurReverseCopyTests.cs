namespace ReverseCrypt.Operations.Tests;

/// <summary>
/// Issue item 2: a copy made from OUR reverse view (rsync -aHAX) restores identical in every respect, xattrs and
/// ACLs included, and a 64 MiB file with a hole in the middle comes back with its hole; the forward mount of the
/// same copy shows the same tree.
/// </summary>
[Category("Mount")]
public sealed class OurReverseCopyTests
{
    [Test]
    public void Restore_CopyOfOurReverseView_IsIdenticalInEveryRespect()
    {
        Require.Root();
        using var dir = new TestDirectory();
        var plain = dir.Sub("plain");
        HardCaseTree.Build(plain, withXattrs: true)
            .Sparse("hole-64m", 64L << 20, (0, HardCaseTree.Bytes(1 << 20, 11)), ((64L << 20) - (1 << 20), HardCaseTree.Bytes(1 << 20, 12)))
            .Times("hole-64m", 1_650_000_000, 5);
        var copy = dir.Child("copy");
        using var core = OurBackup.BackupWithRsync(plain, copy, dir.Child("view"));
        var expected = TreeSnapshot.Take(plain, ".gocryptfs.reverse.conf");
        var target = dir.Child("restored");

        var result = Restorer.Run(new RestoreOptions { CipherDir = copy, Target = target, Devices = true }, core);

        Assert.That(result.Failures, Is.Empty, string.Join("\n", result.Failures));
        Assert.That(result.IsClean, Is.True, string.Join("\n", result.Damage));
        var restored = TreeSnapshot.Take(target);
        expected.AssertSame(restored, Compare.All, "restored copy of our reverse view");
        Assert.That(expected.Nodes["one"].Xattrs, Does.Contain("user.greeting"), "the comparison covers xattrs");
        Assert.That(expected.Nodes["sub/nested"].Xattrs, Does.Contain("system.posix_acl_default"), "and ACLs");
        Assert.That(restored.Nodes["hole-64m"].AllocatedBytes, Is.LessThan(3L << 20), "the 62 MiB hole came back as a hole");
        Assert.That(result.Counts.Xattrs, Is.GreaterThanOrEqualTo(8));

        using var mount = new MountedForward(copy, core, dir.Child("forward"));
        expected.AssertSame(TreeSnapshot.Take(mount.MountPoint), Compare.All, "forward mount of the same copy");
    }
}
