namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// The kernel's FUSE over io_uring switch (module parameter fuse.enable_uring). Tests only read it, never write it:
/// the switch is global, and a test that turned it on would move every later mount of every test assembly onto
/// io_uring. tests/run runs the suites once with it off (/dev/fuse, what most kernels ship) and the mount suites a
/// second time with it on (`tests/run --transport io_uring`), restoring the machine's value afterwards.
/// </summary>
internal static class KernelIoUring
{
    internal const string Parameter = "/sys/module/fuse/parameters/enable_uring";

    /// <summary>Whether mounts made now negotiate FUSE over io_uring (when the mount options allow it).</summary>
    public static bool IsOn => File.Exists(Parameter) && File.ReadAllText(Parameter).Trim() == "Y";

    /// <summary>Tests of the io_uring transport itself ([Category("IoUring")]) run in the io_uring pass only.</summary>
    public static void Require()
    {
        MountRequirements.Require();
        if (!File.Exists(Parameter))
        {
            MountRequirements.Missing("this kernel has no FUSE over io_uring (" + Parameter + " is missing)");
        }
        if (!IsOn)
        {
            MountRequirements.Missing(Parameter + " is N: io_uring tests run in the io_uring pass (tests/run --transport io_uring)");
        }
    }
}
