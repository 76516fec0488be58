using System.Diagnostics;

namespace ReverseCrypt.Operations.Tests;

/// <summary>
/// Issue item 5: restore throughput at least that of `gocryptfs -ro` + `cp -a` on the same copy, measured in one
/// run (alternating, best of each, the copy in the page cache for both). The numbers go to docs/benchmarks.md.
/// Explicit, like every benchmark of the project (docs/benchmarks.md: CI does not fail on timings of a shared
/// machine): run it with --filter Category=Measurement.
/// </summary>
[Explicit("a measurement; run with --filter Category=Measurement")]
[Category("Measurement")]
[Category("Mount")]
public sealed class RestoreThroughputTests
{
    private const int Rounds = 2;

    [Test]
    public void Restore_IsAtLeastAsFastAsGocryptfsReadOnlyPlusCpA()
    {
        Require.Root();
        Require.Tool("gocryptfs");
        using var dir = new TestDir();
        var plain = dir.Sub("plain");
        // A large file, mid-size files and many small ones: 192 MiB + 200 x 256 KiB + 1500 x 16 KiB = 265 MiB.
        Run.Ok($"cd {Run.Quote(plain)} && head -c {192 << 20} /dev/urandom > big && mkdir mid small && " +
               "for i in $(seq 200); do head -c 262144 /dev/urandom > mid/$i; done && " +
               "for i in $(seq 1500); do head -c 16384 /dev/urandom > small/$i; done", TimeSpan.FromMinutes(5));
        long plainBytes = (192L << 20) + 200L * 262144 + 1500L * 16384;
        var copy = dir.Child("copy");
        var passFile = Gocryptfs.BackupWithRsync(plain, copy, dir.Child("view"));
        Run.Ok($"find {Run.Quote(copy)} -type f -exec cat {{}} + > /dev/null"); // both sides read from the page cache
        using var core = Gocryptfs.OpenCore(Path.Combine(copy, "gocryptfs.conf"));
        var mount = dir.Sub("gocryptfs-ro");
        Gocryptfs.MountReadOnly(copy, mount, passFile);
        double bestTheirs = double.MaxValue, bestOurs = double.MaxValue;
        try
        {
            for (int round = 0; round < Rounds; round++)
            {
                var theirsTarget = dir.Child($"cp-{round}");
                var clock = Stopwatch.StartNew();
                Run.Ok($"cp -a {Run.Quote(mount + "/.")} {Run.Quote(theirsTarget)}", TimeSpan.FromMinutes(10));
                bestTheirs = Math.Min(bestTheirs, clock.Elapsed.TotalSeconds);
                Run.Ok($"rm -rf {Run.Quote(theirsTarget)}");

                var oursTarget = dir.Child($"restore-{round}");
                clock.Restart();
                var result = Restorer.Run(new RestoreOptions { CipherDir = copy, Target = oursTarget }, core);
                bestOurs = Math.Min(bestOurs, clock.Elapsed.TotalSeconds);
                Assert.That(result.IsClean, Is.True, string.Join("\n", result.Failures));
                Run.Ok($"cmp {Run.Quote(Path.Combine(plain, "big"))} {Run.Quote(Path.Combine(oursTarget, "big"))}");
                Run.Ok($"rm -rf {Run.Quote(oursTarget)}");
            }
        }
        finally
        {
            Gocryptfs.Unmount(mount);
        }
        double theirsRate = plainBytes / bestTheirs / 1e6, oursRate = plainBytes / bestOurs / 1e6;
        TestContext.Out.WriteLine($"restore {oursRate:F0} MB/s ({bestOurs:F2} s), gocryptfs -ro + cp -a {theirsRate:F0} MB/s " +
                                  $"({bestTheirs:F2} s), {plainBytes / 1e6:F0} MB in {1701} files, best of {Rounds}, {Environment.ProcessorCount} cores");
        Assert.That(oursRate, Is.GreaterThanOrEqualTo(theirsRate), "restore must be at least as fast as gocryptfs -ro + cp -a");
    }
}
