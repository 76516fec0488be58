using System.Text.RegularExpressions;

namespace ReverseCrypt.TestSupport;

/// <summary>Finds and detaches FUSE mounts, so that a failed test or a killed earlier run never leaves one behind.</summary>
public static class Mounts
{
    /// <summary>Mount points (decoded from /proc/self/mountinfo) of FUSE filesystems at or below <paramref name="dir"/>.</summary>
    public static IReadOnlyList<string> FuseMountsBelow(string dir)
    {
        var result = new List<string>();
        string prefix = dir.TrimEnd('/') + "/";
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            int sep = Array.IndexOf(fields, "-");
            if (sep < 0 || sep + 1 >= fields.Length || !fields[sep + 1].StartsWith("fuse", StringComparison.Ordinal))
            {
                continue;
            }
            string mountPoint = Unescape(fields[4]);
            if (mountPoint == dir || mountPoint.StartsWith(prefix, StringComparison.Ordinal))
            {
                result.Add(mountPoint);
            }
        }
        return result;
    }

    public static bool IsMounted(string mountPoint) => FuseMountsBelow(mountPoint).Contains(mountPoint);

    /// <summary>Detaches (lazily, deepest first) every FUSE mount at or below <paramref name="dir"/>.</summary>
    public static void UnmountAllBelow(string dir)
    {
        foreach (var mp in FuseMountsBelow(dir).OrderByDescending(m => m.Length))
        {
            Detach(mp);
        }
    }

    /// <summary>Lazy unmount: fusermount3 -uz, umount -l when that fails.</summary>
    public static void Detach(string mountPoint)
    {
        if (Run.Program("fusermount3", ["-uz", mountPoint]).ExitCode != 0)
        {
            Run.Program("umount", ["-l", mountPoint]);
        }
    }

    private static string Unescape(string s) =>
        Regex.Replace(s, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
}

/// <summary>
/// Base of each test project's [SetUpFixture] (NUnit finds set-up fixtures only in the test assembly). Before the
/// suite: detaches dead mounts (ENOTCONN) that a killed earlier run left under /tmp/PREFIX* and removes such
/// directories once they are an hour old; live mounts of a run in progress elsewhere (another checkout on the same
/// machine) are left alone. After the suite: no FUSE mount may be left in the directories this run created.
/// </summary>
public abstract class LeftoverMountCheck(string prefix)
{
    protected LeftoverMountCheck() : this(TestDirectory.DefaultPrefix)
    {
    }

    [OneTimeSetUp]
    public void RemoveLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), prefix + "*"))
        {
            foreach (var mp in Mounts.FuseMountsBelow(dir))
            {
                if (Run.Program("stat", [mp]).Stderr.Contains("not connected", StringComparison.Ordinal))
                {
                    Mounts.Detach(mp);
                }
            }
            if (Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddHours(-1))
            {
                TestDirectory.Remove(dir);
            }
        }
    }

    [OneTimeTearDown]
    public void NoMountsLeft()
    {
        var faults = Faults();
        foreach (var mp in TestDirectory.CreatedInThisRun.SelectMany(Mounts.FuseMountsBelow))
        {
            Mounts.Detach(mp);
        }
        FixtureFaults.Report(GetType().Assembly.GetName().Name!, faults);
        Assert.That(faults, Is.Empty, "tests left FUSE mounts behind");
    }

    /// <summary>What the check would report now: FUSE mounts still in this run's directories, and mounts that were still
    /// there when their directory was disposed (the directory detached them, but the test had not unmounted).</summary>
    public static List<string> Faults() =>
        TestDirectory.CreatedInThisRun.SelectMany(Mounts.FuseMountsBelow).Select(mp => "left mounted after the suite: " + mp)
            .Concat(TestDirectory.DetachedOnDispose.Select(mp => "still mounted when its test directory was disposed: " + mp))
            .ToList();
}

/// <summary>
/// A failure in a [SetUpFixture]'s [OneTimeTearDown] does not reach the TRX counters that tests/run sums. So such
/// fixtures also write each fault as one line to $REVERSECRYPT_FIXTURE_FAULTS/ASSEMBLY.txt (tests/run sets the
/// directory per pass), and tests/run counts every line as a failed test and prints it.
/// </summary>
public static class FixtureFaults
{
    public const string Variable = "REVERSECRYPT_FIXTURE_FAULTS";

    public static void Report(string source, IReadOnlyCollection<string> faults)
    {
        var dir = Environment.GetEnvironmentVariable(Variable);
        if (faults.Count == 0 || string.IsNullOrEmpty(dir))
        {
            return;
        }
        Directory.CreateDirectory(dir);
        File.AppendAllLines(Path.Combine(dir, source + ".txt"), faults.Select(f => source + ": " + f));
    }
}
