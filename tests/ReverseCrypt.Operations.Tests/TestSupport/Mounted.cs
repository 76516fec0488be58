using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ReverseCrypt.FileSystems.Forward;
using ReverseCrypt.FileSystems.Reverse;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;

namespace ReverseCrypt.Operations.Tests.TestSupport;

/// <summary>Our forward (plaintext) view of an encrypted tree, mounted in this process; disposing unmounts it.</summary>
public sealed class MountedForward : IDisposable
{
    private readonly FuseMount _mount;

    public MountedForward(string cipherDir, CryptoCore core, string mountPoint, ILogger? logger = null)
    {
        Require.Fuse();
        Directory.CreateDirectory(mountPoint);
        MountPoint = mountPoint;
        var options = new ForwardOptions { CipherDir = cipherDir };
        FileSystem = new ForwardFileSystem(options, core, logger);
        try
        {
            _mount = FuseMount.Mount(FileSystem, mountPoint, options.CreateMountOptions());
        }
        catch
        {
            FileSystem.Dispose();
            throw;
        }
    }

    public string MountPoint { get; }

    public ForwardFileSystem FileSystem { get; }

    public void Dispose()
    {
        try
        {
            _mount.Unmount(lazy: true);
        }
        catch (FuseMountException)
        {
        }
        _mount.Dispose();
        Mounts.UnmountAllBelow(MountPoint);
        FileSystem.Dispose();
    }
}

/// <summary>Our reverse (encrypted) view of a plaintext tree, mounted in this process; disposing unmounts it.</summary>
public sealed class MountedReverse : IDisposable
{
    private readonly FuseMount _mount;

    public MountedReverse(string plainDir, CryptoCore core, string mountPoint)
    {
        Require.Fuse();
        Directory.CreateDirectory(mountPoint);
        MountPoint = mountPoint;
        FileSystem = new ReverseFileSystem(new ReverseOptions(plainDir), core);
        try
        {
            _mount = FuseMount.Mount(FileSystem, mountPoint, new FuseMountOptions { Subtype = "reversecrypt-test", ReaderThreads = 2 });
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
        _mount.Dispose();
        Mounts.UnmountAllBelow(MountPoint);
        FileSystem.Dispose();
    }
}

/// <summary>An ILogger that keeps every message (for "one log line naming it" checks).</summary>
public sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue((logLevel, formatter(state, exception)));

    public List<string> AtLeast(LogLevel level) => Messages.Where(m => m.Level >= level).Select(m => m.Message).ToList();
}
