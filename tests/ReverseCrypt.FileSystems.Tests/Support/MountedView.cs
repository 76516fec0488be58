using ReverseCrypt.FileSystems.Reverse;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;

namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>Our reverse view mounted with the FUSE library in this process; disposing unmounts it (lazily when
/// busy, with fusermount3/umount as a last resort) and releases the filesystem.</summary>
public sealed class MountedView : IDisposable
{
    private readonly FuseMount _mount;

    public MountedView(ReverseOptions options, CryptoCore core, string mountPoint)
    {
        MountPoint = mountPoint;
        FileSystem = new ReverseFileSystem(options, core);
        try
        {
            _mount = FuseMount.Mount(FileSystem, mountPoint, new FuseMountOptions
            {
                Subtype = "reversecrypt-test",
                FsName = "reversecrypt-test",
                ReaderThreads = 2,
                Readdirplus = FuseReaddirplusMode.Always,
            });
        }
        catch
        {
            FileSystem.Dispose();
            throw;
        }
    }

    public string MountPoint { get; }

    public ReverseFileSystem FileSystem { get; }

    public void Dispose()
    {
        try
        {
            _mount.Unmount(lazy: true);
        }
        catch (FuseMountException)
        {
        }
        finally
        {
            if (Mounts.IsMounted(MountPoint))
            {
                Mounts.Detach(MountPoint);
            }
            _mount.Dispose();
            FileSystem.Dispose();
        }
    }
}

/// <summary>A real gocryptfs mount (reverse or forward) made by the gocryptfs binary; disposing unmounts it.</summary>
public sealed class GocryptfsMount : IDisposable
{
    public GocryptfsMount(string mountPoint, params string[] args)
    {
        MountPoint = mountPoint;
        var r = Sh.Run("gocryptfs", ["-q", .. args], timeout: TimeSpan.FromMinutes(2));
        Assert.That(r.ExitCode, Is.Zero, () => $"gocryptfs {string.Join(' ', args)}\n{r}");
        Assert.That(Mounts.IsMounted(mountPoint), Is.True, $"gocryptfs did not mount {mountPoint}");
    }

    public string MountPoint { get; }

    public void Dispose()
    {
        if (Sh.Run("fusermount3", ["-u", MountPoint]).ExitCode != 0)
        {
            Mounts.Detach(MountPoint);
        }
    }
}
