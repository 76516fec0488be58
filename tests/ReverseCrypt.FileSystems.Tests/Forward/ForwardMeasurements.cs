using System.Diagnostics;

namespace ReverseCrypt.FileSystems.Tests.Forward;

/// <summary>Reading a large file through the forward view versus `gocryptfs -ro` on the same copy (one run,
/// alternating, best of each). Explicit: a measurement, run with --filter Category=Measurement.</summary>
[Explicit("a measurement; run with --filter Category=Measurement")]
[Category("Measurement")]
[Category("Mount")]
public sealed class ForwardMeasurements
{
    [Test]
    public void ReadLargeFile_OursVersusGocryptfsReadOnly()
    {
        using var dir = new TestDir();
        var (_, copy, passFile) = Fwd.GocryptfsBackup(dir, $"head -c {256 << 20} /dev/urandom > big");
        using var core = Fwd.OpenCore(copy);
        Run.Ok($"cat {Run.Quote(copy)}/* > /dev/null");
        double ours = double.MaxValue, theirs = double.MaxValue;
        for (int round = 0; round < 2; round++)
        {
            var reference = dir.Sub($"reference-{round}");
            Gocryptfs.MountReadOnly(copy, reference, passFile);
            try
            {
                theirs = Math.Min(theirs, Time($"dd if={Run.Quote(reference)}/big of=/dev/null bs=1M status=none"));
            }
            finally
            {
                Gocryptfs.Unmount(reference);
            }
            using var mount = new MountedForward(copy, core, dir.Sub($"ours-{round}"));
            ours = Math.Min(ours, Time($"dd if={Run.Quote(mount.MountPoint)}/big of=/dev/null bs=1M status=none"));
        }
        TestContext.Out.WriteLine($"256 MiB, first read after mounting: ours {256 / ours:F0} MiB/s, gocryptfs -ro {256 / theirs:F0} MiB/s");
    }

    private static double Time(string script)
    {
        var clock = Stopwatch.StartNew();
        Run.Ok(script);
        return clock.Elapsed.TotalSeconds;
    }
}
