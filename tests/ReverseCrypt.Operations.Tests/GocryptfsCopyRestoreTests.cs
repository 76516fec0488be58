namespace ReverseCrypt.Operations.Tests;

/// <summary>
/// Issue item 1 (restore half): a backup made by `gocryptfs -reverse` + `rsync -aHAX` of a tree with all the hard
/// cases restores identical to the plaintext (gocryptfs 2.3 exposes no xattrs in reverse mode, so none are compared).
/// </summary>
[Category("Mount")]
public sealed class GocryptfsCopyRestoreTests
{
    [Test]
    public void Restore_CopyOfGocryptfsReverseView_EqualsThePlaintext()
    {
        Require.Root();
        using var dir = new TestDirectory();
        var plain = dir.Sub("plain");
        HardCaseTree.Build(plain, withXattrs: false);
        var copy = dir.Child("copy");
        Gocryptfs.BackupWithRsync(plain, copy, dir.Child("view"));
        var expected = TreeSnapshot.Take(plain, ".gocryptfs.reverse.conf");
        var target = dir.Child("restored");
        using var core = Gocryptfs.OpenCore(Path.Combine(copy, "gocryptfs.conf"));

        var result = Restorer.Run(new RestoreOptions { CipherDir = copy, Target = target, Devices = true }, core);

        Assert.That(result.Failures, Is.Empty, string.Join("\n", result.Failures));
        Assert.That(result.IsClean, Is.True, string.Join("\n", result.Damage));
        Assert.That(result.Counts.HardLinks, Is.EqualTo(4));
        expected.AssertSame(TreeSnapshot.Take(target), Compare.All & ~Compare.Xattrs, "restored copy of the gocryptfs -reverse view");
        Assert.That(expected.Nodes["sparse-8m"].AllocatedBytes, Is.LessThan(64 * 1024), "the source is sparse");
        Assert.That(TreeSnapshot.Take(target).Nodes["sparse-8m"].AllocatedBytes, Is.LessThan(64 * 1024), "the hole came back");
        Assert.That(TreeSnapshot.Take(target).Nodes["zeros-20k"].AllocatedBytes, Is.Zero, "all-zero file restored as a hole");
    }
}
