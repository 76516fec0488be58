namespace ReverseCrypt.Integration.Tests;

/// <summary>The leftover-mount check of every test project (<see cref="LeftoverMountCheck"/>) really fires: a mount left in
/// a test directory, and one that only the directory's disposal detached, are both reported.</summary>
[Category("Mount")]
[Category("Gocryptfs")]
[NonParallelizable]
public class LeftoverMountCheckTests
{
    [Test]
    public void AMountLeftInATestDirectory_IsReported_AndOneDetachedByDispose_TooAfterwards()
    {
        var dir = new TestDirectory();
        string mnt = dir.Sub("mnt");
        try
        {
            var plain = dir.Sub("plain");
            File.WriteAllText(Path.Combine(plain, "file"), "x");
            Gocryptfs.InitReverse(plain);
            Gocryptfs.MountReverse(plain, mnt);

            Assert.That(LeftoverMountCheck.Faults(), Has.Some.EqualTo("left mounted after the suite: " + mnt));

            dir.Dispose();

            Assert.That(Mounts.IsMounted(mnt), Is.False, "the directory detached it");
            Assert.That(Directory.Exists(dir.Path), Is.False);
            Assert.That(LeftoverMountCheck.Faults(),
                Has.Some.EqualTo("still mounted when its test directory was disposed: " + mnt));
        }
        finally
        {
            TestDirectory.ForgetDetached(mnt);
            dir.Dispose();
        }
        Assert.That(LeftoverMountCheck.Faults(), Has.None.Contains(mnt), "forgotten again: this leftover was on purpose");
    }
}
