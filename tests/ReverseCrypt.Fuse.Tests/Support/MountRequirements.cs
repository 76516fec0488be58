using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// Mount tests need root and a usable /dev/fuse. Without them they are ignored with the reason on a developer
/// machine, but fail when CI=true: in CI a skipped mount test counts as a failure.
/// </summary>
internal static class MountRequirements
{
    public static void Require()
    {
        string? problem = null;
        if (Libc.Geteuid() != 0)
        {
            problem = "mount tests run as root (they mount with mount(2) and use mknod-free temp dirs)";
        }
        else
        {
            int fd = Libc.Open("/dev/fuse", Libc.OpenFlags.O_RDWR | Libc.OpenFlags.O_CLOEXEC, 0);
            if (fd < 0)
            {
                problem = $"/dev/fuse is not usable: {Libc.Describe(Libc.LastErrno)}";
            }
            else
            {
                Libc.Close(fd);
            }
        }
        if (problem is not null)
        {
            Missing(problem);
        }
    }

    /// <summary>Something a test needs is missing: fails the test when CI=true (a skipped test there is a failure),
    /// ignores it with the reason elsewhere.</summary>
    public static void Missing(string problem)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"CI=true but {problem}");
        }
        Assert.Ignore(problem);
    }
}
