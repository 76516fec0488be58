using ReverseCrypt.Interop;

namespace ReverseCrypt.TestSupport;

/// <summary>Prerequisites of tests: in CI (CI=true) a missing one fails the test, elsewhere it skips it.</summary>
public static class Require
{
    public static bool InCi => Environment.GetEnvironmentVariable("CI") == "true";

    public static void Tool(string name)
    {
        if (Run.Shell($"command -v {name}").ExitCode != 0)
        {
            Missing($"{name} is not installed (tests/run installs it)");
        }
    }

    public static void Fuse()
    {
        if (Run.Shell("test -c /dev/fuse").ExitCode != 0)
        {
            Missing("/dev/fuse is missing");
        }
    }

    public static void Root()
    {
        if (Libc.Geteuid() != 0)
        {
            Missing("this test needs root (device nodes, owners, trusted.* xattrs)");
        }
    }

    /// <summary>Fails the test in CI, skips it elsewhere.</summary>
    public static void Missing(string what)
    {
        if (InCi)
        {
            Assert.Fail(what);
        }
        Assert.Ignore(what);
    }
}
