using Microsoft.Extensions.Logging;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>A <see cref="TestFileSystem"/> mounted in-process under a fresh temp dir; Dispose unmounts (falling back
/// to a lazy unmount) even when the test failed.</summary>
internal sealed class MountedTestFileSystem : IDisposable
{
    private readonly TempDirectory _directory = new();

    public MountedTestFileSystem(FuseMountOptions? options = null, string mountpointName = "mnt")
    {
        MountRequirements.Require();
        Mountpoint = _directory.Sub(mountpointName);
        FileSystem = new TestFileSystem();
        try
        {
            Mount = FuseMount.Mount(FileSystem, Mountpoint, options ?? DefaultOptions, Log);
        }
        catch
        {
            _directory.Dispose();
            throw;
        }
    }

    public static FuseMountOptions DefaultOptions => new() { Subtype = "testfs", FsName = "testfs-source" };

    public string Mountpoint { get; }

    public TestFileSystem FileSystem { get; }

    public FuseMount Mount { get; }

    public ListLogger Log { get; } = new();

    public string Path(string relative) => System.IO.Path.Combine(Mountpoint, relative);

    public void Dispose()
    {
        try
        {
            Mount.Dispose();
        }
        finally
        {
            Tool.ForceUnmount(Mountpoint);
            _directory.Dispose();
        }
    }
}
