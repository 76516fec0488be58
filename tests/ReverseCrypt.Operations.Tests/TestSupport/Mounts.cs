namespace ReverseCrypt.Operations.Tests.TestSupport;

/// <summary>Finds and removes FUSE mounts, so a failed test or an earlier run never leaves one behind.</summary>
public static class Mounts
{
    /// <summary>Mount points of fuse filesystems at or below <paramref name="dir"/>.</summary>
    public static IReadOnlyList<string> FuseMountsBelow(string dir)
    {
        var result = new List<string>();
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            var sep = Array.IndexOf(fields, "-");
            if (sep < 0 || sep + 1 >= fields.Length || !fields[sep + 1].StartsWith("fuse", StringComparison.Ordinal))
            {
                continue;
            }
            var mountPoint = Unescape(fields[4]);
            if (mountPoint == dir || mountPoint.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal))
            {
                result.Add(mountPoint);
            }
        }
        return result;
    }

    /// <summary>Unmounts (lazily, deepest first) every fuse mount below dir.</summary>
    public static void UnmountAllBelow(string dir)
    {
        foreach (var mp in FuseMountsBelow(dir).OrderByDescending(m => m.Length))
        {
            var r = Run.Program("fusermount3", ["-uz", mp]);
            if (r.ExitCode != 0)
            {
                Run.Program("umount", ["-l", mp]);
            }
        }
    }

    private static string Unescape(string s) =>
        System.Text.RegularExpressions.Regex.Replace(s, @"\\([0-7]{3})",
            m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
}

/// <summary>Before the suite: removes mounts an earlier, killed run may have left under /tmp/rc-op-*; after it,
/// fails if a test left one.</summary>
[SetUpFixture]
public sealed class LeftoverMountCleanup
{
    [OneTimeSetUp]
    public void RemoveLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), TestDir.Prefix + "*"))
        {
            Mounts.UnmountAllBelow(dir);
        }
    }

    [OneTimeTearDown]
    public void NoMountsLeft()
    {
        var left = Directory.EnumerateDirectories(Path.GetTempPath(), TestDir.Prefix + "*").SelectMany(Mounts.FuseMountsBelow).ToList();
        foreach (var dir in left)
        {
            Mounts.UnmountAllBelow(dir);
        }
        Assert.That(left, Is.Empty, "tests left FUSE mounts behind");
    }
}

/// <summary>Environment checks: in CI (CI=true) a missing prerequisite is a failure, not a skip.</summary>
public static class Require
{
    public static bool InCi => Environment.GetEnvironmentVariable("CI") == "true";

    public static void Tool(string name)
    {
        if (Run.Shell($"command -v {name}").ExitCode == 0)
        {
            return;
        }
        if (InCi)
        {
            Assert.Fail($"{name} is not installed");
        }
        Assert.Ignore($"{name} is not installed");
    }

    public static void Fuse()
    {
        if (Run.Shell("test -c /dev/fuse").ExitCode == 0)
        {
            return;
        }
        if (InCi)
        {
            Assert.Fail("/dev/fuse is missing");
        }
        Assert.Ignore("/dev/fuse is missing");
    }

    public static void Root()
    {
        if (ReverseCrypt.Interop.Libc.Geteuid() == 0)
        {
            return;
        }
        if (InCi)
        {
            Assert.Fail("this test needs root (device nodes, owners)");
        }
        Assert.Ignore("this test needs root (device nodes, owners)");
    }
}
