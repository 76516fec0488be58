namespace ReverseCrypt.Operations.Tests;

/// <summary>
/// Issue item 1 (mount half): the copy of a `gocryptfs -reverse` view (rsync -aHAX) of the hard-case tree reads back
/// through our forward mount identical to the plaintext, and identical to what `gocryptfs -ro` shows.
/// </summary>
[Category("Mount")]
public sealed class ForwardMountTests
{
    [Test]
    public void ForwardMount_CopyOfGocryptfsReverseView_ShowsThePlaintextLikeGocryptfs()
    {
        Require.Root();
        using var dir = new TestDirectory();
        var plain = dir.Sub("plain");
        HardCaseTree.Build(plain, withXattrs: false);
        var copy = dir.Child("copy");
        var passFile = Gocryptfs.BackupWithRsync(plain, copy, dir.Child("view"));
        var expected = TreeSnapshot.Take(plain, ".gocryptfs.reverse.conf");
        using var core = Gocryptfs.OpenCore(Path.Combine(copy, "gocryptfs.conf"));
        var logger = new CapturingLogger();

        TreeSnapshot ours, reference;
        using (var mount = new MountedForward(copy, core, dir.Child("ours"), logger))
        {
            ours = TreeSnapshot.Take(mount.MountPoint);
        }
        var gocryptfsMount = dir.Sub("gocryptfs-ro");
        Gocryptfs.MountReadOnly(copy, gocryptfsMount, passFile);
        try
        {
            reference = TreeSnapshot.Take(gocryptfsMount);
        }
        finally
        {
            Gocryptfs.Unmount(gocryptfsMount);
        }

        expected.AssertSame(ours, Compare.All & ~Compare.Xattrs, "our forward mount vs the plaintext");
        reference.AssertSame(ours, Compare.All & ~Compare.Xattrs, "our forward mount vs gocryptfs -ro");
        Assert.That(logger.MessagesAtLeast(Microsoft.Extensions.Logging.LogLevel.Warning), Is.Empty);
    }
}
