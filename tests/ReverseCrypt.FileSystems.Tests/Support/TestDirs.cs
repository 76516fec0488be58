namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>A scratch directory under /tmp/rc-fs-*, removed (after detaching any mount below it) on dispose.</summary>
public sealed class TestDir : IDisposable
{
    public const string Prefix = "rc-fs-";

    private static readonly System.Collections.Concurrent.ConcurrentBag<string> s_created = [];

    public TestDir()
    {
        Path = Directory.CreateTempSubdirectory(Prefix).FullName;
        s_created.Add(Path);
    }

    /// <summary>Every directory this test run created.</summary>
    public static IEnumerable<string> CreatedInThisRun => s_created;

    public string Path { get; }

    /// <summary>A new subdirectory.</summary>
    public string Sub(string name)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        Mounts.DetachAllBelow(Path);
        // chattr/chmod leftovers must not stop the cleanup; rm as root removes everything else.
        Sh.Bash($"chmod -R u+rwx {Sh.Q(Path)} 2>/dev/null; rm -rf --one-file-system {Sh.Q(Path)}");
    }
}

/// <summary>Finds and detaches FUSE mounts, so that a failed test or a killed earlier run never leaves one behind.</summary>
public static class Mounts
{
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
    public static void DetachAllBelow(string dir)
    {
        foreach (var mp in FuseMountsBelow(dir).OrderByDescending(m => m.Length))
        {
            Detach(mp);
        }
    }

    public static void Detach(string mountPoint)
    {
        if (Sh.Run("fusermount3", ["-uz", mountPoint]).ExitCode != 0)
        {
            Sh.Run("umount", ["-l", mountPoint]);
        }
    }

    private static string Unescape(string s) =>
        System.Text.RegularExpressions.Regex.Replace(s, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
}

/// <summary>Prerequisites of mount tests: in CI (CI=true) a missing one fails the test, elsewhere it skips it.</summary>
public static class Require
{
    public static bool InCi => Environment.GetEnvironmentVariable("CI") == "true";

    public static void Tool(string name)
    {
        if (Sh.Bash($"command -v {name}").ExitCode == 0)
        {
            return;
        }
        Missing($"{name} is not installed (tests/run installs it)");
    }

    public static void Fuse()
    {
        if (Sh.Bash("test -c /dev/fuse").ExitCode != 0)
        {
            Missing("/dev/fuse is missing");
        }
        if (Interop.Libc.Geteuid() != 0)
        {
            Missing("mount tests need root (mknod, chown, trusted.* xattrs)");
        }
    }

    private static void Missing(string what)
    {
        if (InCi)
        {
            Assert.Fail(what);
        }
        Assert.Ignore(what);
    }
}
