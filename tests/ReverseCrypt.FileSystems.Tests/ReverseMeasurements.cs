using System.Diagnostics;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// Throughput and listing speed of the mounted view next to gocryptfs -reverse, printed for the report. Explicit:
/// run with <c>dotnet test --filter Category=Measurement</c>. Asserts only that the numbers were obtained.
/// </summary>
[Category("Mount")]
[Category("Measurement")]
[Explicit("measurement, not a test: takes a minute and several GiB of I/O")]
[NonParallelizable]
public class ReverseMeasurements
{
    [Test]
    public void ReadThroughput_AndLargeListing_NextToGocryptfs()
    {
        Require.Fuse();
        Require.Root();
        Require.Tool("gocryptfs");
        using var dir = new TestDir();
        string plain = dir.Sub("plain");
        Run.Ok($"head -c {1L << 30} /dev/urandom > {Run.Quote(plain)}/big && mkdir {Run.Quote(plain)}/many && cd {Run.Quote(plain)}/many "
            + "&& for i in $(seq 1 100000); do : > f$i; done", TimeSpan.FromMinutes(5));
        using var core = TestKeys.CreateCore();
        using var ours = new MountedReverse(new ReverseOptions(plain), core, dir.Sub("ours"));
        string theirs = dir.Sub("theirs");
        using var gocryptfs = new GocryptfsMount(["-reverse", TestKeys.GocryptfsMasterKeyArgument], plain, theirs);

        string bigName = Directory.EnumerateFiles(ours.MountPoint).Single(f => new FileInfo(f).Length > 1L << 30);
        string manyName = Directory.EnumerateDirectories(ours.MountPoint).Single();
        foreach (var (label, root) in new[] { ("reversecrypt", ours.MountPoint), ("gocryptfs -reverse", theirs) })
        {
            string big = Path.Combine(root, Path.GetFileName(bigName));
            string many = Path.Combine(root, Path.GetFileName(manyName));
            Run.Ok("sync; echo 3 > /proc/sys/vm/drop_caches || true");
            double cold = Seconds($"dd if={Run.Quote(big)} of=/dev/null bs=1M status=none");
            double warm = Seconds($"dd if={Run.Quote(big)} of=/dev/null bs=1M status=none");
            double find = Seconds($"find {Run.Quote(many)} -printf '%s %m %u\\n' > /dev/null");
            Thread.Sleep(TimeSpan.FromSeconds(2));
            double list = Seconds($"ls -l {Run.Quote(many)} > /dev/null");
            double listAgain = Seconds($"ls -l {Run.Quote(many)} > /dev/null");
            TestContext.Out.WriteLine($"{label}: read 1 GiB {1024 / cold:0} MiB/s first, {1024 / warm:0} MiB/s again; "
                + $"100,000 entries: find with stat {find:0.00} s, ls -l {list:0.00} s, again {listAgain:0.00} s "
                + "(ls -l also asks two xattrs per entry)");
        }
        TestContext.Out.WriteLine($"view nodes held: {ours.FileSystem.NodeCount}");
        Assert.Pass();
    }

    private static double Seconds(string command)
    {
        var sw = Stopwatch.StartNew();
        Run.Ok(command, TimeSpan.FromMinutes(5));
        return sw.Elapsed.TotalSeconds;
    }
}
