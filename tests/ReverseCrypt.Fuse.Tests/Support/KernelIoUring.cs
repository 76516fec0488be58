namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// Turns the kernel's FUSE over io_uring switch (module parameter fuse.enable_uring) on for the tests that need it.
/// It is never switched off by a test: test assemblies run in parallel, and one switching it off while another
/// mounts would fail the other. The switch is only read when a connection is initialised, so mounts made by other
/// tests meanwhile simply use io_uring too (they must work either way). tests/run puts the machine's value back
/// after the suite. Fails (CI) or ignores the test when this kernel has no FUSE over io_uring (before Linux 6.14).
/// </summary>
internal static class KernelIoUring
{
    internal const string Parameter = "/sys/module/fuse/parameters/enable_uring";

    public static void Enable()
    {
        MountRequirements.Require();
        if (!File.Exists(Parameter))
        {
            MountRequirements.Missing("this kernel has no FUSE over io_uring (" + Parameter + " is missing)");
        }
        File.WriteAllText(Parameter, "Y");
    }
}
