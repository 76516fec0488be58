namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// Turns the kernel's FUSE over io_uring switch (module parameter fuse.enable_uring) on for a test and back to what
/// it was afterwards. The switch is only read when a connection is initialised and its rings register, so mounts
/// made meanwhile by other tests simply also use io_uring. Fails (CI) or ignores the test when this kernel has no
/// FUSE over io_uring (Linux before 6.14).
/// </summary>
internal sealed class KernelIoUring : IDisposable
{
    private const string Parameter = "/sys/module/fuse/parameters/enable_uring";
    private static readonly Lock s_lock = new();
    private static int s_users;
    private static string? s_previous;

    public KernelIoUring()
    {
        MountRequirements.Require();
        if (!File.Exists(Parameter))
        {
            const string problem = "this kernel has no FUSE over io_uring (" + Parameter + " is missing)";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(problem);
            }
            Assert.Ignore(problem);
        }
        lock (s_lock)
        {
            if (s_users++ == 0)
            {
                s_previous = File.ReadAllText(Parameter).Trim();
                File.WriteAllText(Parameter, "Y");
            }
        }
    }

    public void Dispose()
    {
        lock (s_lock)
        {
            if (--s_users == 0 && s_previous is not null)
            {
                File.WriteAllText(Parameter, s_previous);
            }
        }
    }
}
