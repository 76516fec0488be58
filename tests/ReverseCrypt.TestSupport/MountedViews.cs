using Microsoft.Extensions.Logging;
using ReverseCrypt.FileSystems.Forward;
using ReverseCrypt.FileSystems.Reverse;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;

namespace ReverseCrypt.TestSupport;

/// <summary>
/// A filesystem of ours mounted with the FUSE library in this process (the mountpoint is created when missing).
/// Disposing unmounts it lazily, detaches whatever is still mounted at or below the mountpoint (fusermount3/umount
/// as the last resort) and releases the filesystem, also when one of these steps fails.
/// </summary>
public abstract class InProcessMount<TFileSystem> : IDisposable where TFileSystem : IFuseFileSystem, IDisposable
{
    private readonly FuseMount _mount;

    /// <summary>Takes ownership of <paramref name="fileSystem"/> (disposed here when the mount fails).</summary>
    protected InProcessMount(TFileSystem fileSystem, string mountPoint, FuseMountOptions options, ILogger? logger = null)
    {
        MountPoint = mountPoint;
        FileSystem = fileSystem;
        try
        {
            Require.Fuse();
            Directory.CreateDirectory(mountPoint);
            _mount = FuseMount.Mount(fileSystem, mountPoint, options, logger);
        }
        catch
        {
            fileSystem.Dispose();
            throw;
        }
    }

    public string MountPoint { get; }

    public TFileSystem FileSystem { get; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }
        try
        {
            _mount.Unmount(lazy: true);
        }
        catch (FuseMountException)
        {
        }
        finally
        {
            Mounts.UnmountAllBelow(MountPoint);
            _mount.Dispose();
            FileSystem.Dispose();
        }
    }
}

/// <summary>Our reverse (encrypting) view of a plaintext tree; READDIRPLUS always, as the CLI asks for it. With
/// <paramref name="requestLog"/> every kernel request is logged there at Debug level ("FUSE request N OPCODE ...").</summary>
public sealed class MountedReverse(ReverseOptions options, CryptoCore core, string mountPoint, ILogger? requestLog = null)
    : InProcessMount<ReverseFileSystem>(new ReverseFileSystem(options, core), mountPoint, new FuseMountOptions
    {
        Subtype = "reversecrypt-test",
        FsName = "reversecrypt-test",
        ReaderThreads = 2,
        Readdirplus = FuseReaddirplusMode.Always,
        Debug = requestLog is not null,
    }, requestLog)
{
    public MountedReverse(string plainDir, CryptoCore core, string mountPoint) : this(new ReverseOptions(plainDir), core, mountPoint)
    {
    }
}

/// <summary>Our forward (decrypting) view of an encrypted tree, with the mount options of the CLI.</summary>
public sealed class MountedForward : InProcessMount<ForwardFileSystem>
{
    public MountedForward(string cipherDir, CryptoCore core, string mountPoint, ILogger? logger = null)
        : this(new ForwardOptions { CipherDir = cipherDir }, core, mountPoint, logger)
    {
    }

    private MountedForward(ForwardOptions options, CryptoCore core, string mountPoint, ILogger? logger)
        : base(new ForwardFileSystem(options, core, logger), mountPoint, options.CreateMountOptions())
    {
    }
}
