using ReverseCrypt.FileSystems.Tests.Support;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// Before the suite: detaches dead mounts (ENOTCONN) that a killed earlier run left under /tmp/rc-fs-* and removes
/// that run's directories once they are an hour old (a run in progress elsewhere keeps its own). After the suite:
/// no mount may be left in this run's directories.
/// </summary>
[SetUpFixture]
public sealed class LeftoverMounts
{
    [OneTimeSetUp]
    public void RemoveLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories(System.IO.Path.GetTempPath(), TestDir.Prefix + "*"))
        {
            foreach (var mp in Mounts.FuseMountsBelow(dir))
            {
                if (Sh.Run("stat", [mp]).Stderr.Contains("not connected", StringComparison.Ordinal))
                {
                    Mounts.Detach(mp);
                }
            }
            if (Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddHours(-1))
            {
                Mounts.DetachAllBelow(dir);
                Sh.Bash($"rm -rf --one-file-system {Sh.Q(dir)}");
            }
        }
    }

    [OneTimeTearDown]
    public void NoMountsLeft()
    {
        var left = TestDir.CreatedInThisRun.SelectMany(Mounts.FuseMountsBelow).ToList();
        foreach (var mp in left)
        {
            Mounts.Detach(mp);
        }
        Assert.That(left, Is.Empty, "tests left FUSE mounts behind");
    }
}
