using Microsoft.Extensions.Logging;
using ReverseCrypt.FileSystems.Reverse;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>What a reverse view shows: the plaintext tree, its key, the config shown as gocryptfs.conf, excludes.</summary>
public sealed record ReverseViewSettings(string PlainDir, OpenedKey Key)
{
    public string? ConfigPath { get; init; }
    public bool HideConfig { get; init; }
    public ExcludeMatcher? Exclude { get; init; }
    public bool OneFileSystem { get; init; }

    /// <summary>Holes as all-zero cipher blocks (see <see cref="ReverseOptions.Sparse"/>); false with --no-sparse.</summary>
    public bool Sparse { get; init; } = true;

    public TimeSpan AttrTimeout { get; init; } = TimeSpan.FromSeconds(1);
    public bool AllowOther { get; init; }
    public bool Debug { get; init; }

    /// <summary>Use FUSE over io_uring where the kernel allows it (see <see cref="FuseMountOptions.IoUring"/>).</summary>
    public bool IoUring { get; init; } = true;
}

/// <summary>
/// A reverse view served in this process: <see cref="Mount"/> returns when the mountpoint answers; Dispose unmounts
/// (lazily if busy) and releases the keys' derived state. Used by `mount --reverse` and by `backup`.
/// </summary>
public sealed class ReverseView : IDisposable
{
    private readonly CryptoCore _core;
    private readonly ReverseFileSystem _fileSystem;

    private ReverseView(CryptoCore core, ReverseFileSystem fileSystem, FuseMount mount)
    {
        _core = core;
        _fileSystem = fileSystem;
        Fuse = mount;
    }

    public FuseMount Fuse { get; }

    public string Mountpoint => Fuse.Mountpoint;

    /// <summary>Plaintext paths (relative to PLAINDIR, bytes) of the files that changed while the view served them;
    /// the first <see cref="ReverseFileSystem.ChangedWhileServedLimit"/> (see
    /// <see cref="ReverseFileSystem.ChangedWhileServed"/>). Read it after rsync finished.</summary>
    public IReadOnlyCollection<byte[]> ChangedWhileServed => _fileSystem.ChangedWhileServed;

    /// <summary>How many files changed while served (see <see cref="ReverseFileSystem.ChangedWhileServedCount"/>).</summary>
    public long ChangedWhileServedCount => _fileSystem.ChangedWhileServedCount;

    /// <summary>PLAINDIR must be an existing directory (exit 20 otherwise).</summary>
    public static void ValidatePlainDir(string plainDir)
    {
        if (!Directory.Exists(plainDir))
            throw new CliException(ExitCodes.BadDirectory, File.Exists(plainDir)
                ? $"{plainDir} is not a directory"
                : $"{plainDir}: no such directory");
    }

    /// <summary>Checks the arguments that can be checked without the key, so a bad call fails before a password prompt.</summary>
    public static void Validate(string plainDir, string mountPoint)
    {
        ValidatePlainDir(plainDir);
        try
        {
            using var e = Directory.EnumerateFileSystemEntries(plainDir).GetEnumerator();
            e.MoveNext();
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.BadDirectory, $"{plainDir} is not readable");
        }
        if (MountpointGuard.IsInsidePlainRoot(plainDir, mountPoint))
            throw new CliException(ExitCodes.MountpointUnusable,
                $"the mountpoint {mountPoint} is inside the plaintext directory {plainDir}: the view would contain itself; choose a mountpoint outside it");
    }

    public static ReverseView Mount(ReverseViewSettings settings, string mountPoint, ILoggerFactory loggers)
    {
        Validate(settings.PlainDir, mountPoint);
        var core = settings.Key.CreateCore();
        ReverseFileSystem? fileSystem = null;
        try
        {
            fileSystem = new ReverseFileSystem(new ReverseOptions(Path.GetFullPath(settings.PlainDir))
            {
                ConfigPath = settings.ConfigPath,
                HideConfig = settings.HideConfig,
                Exclude = settings.Exclude,
                OneFileSystem = settings.OneFileSystem,
                Sparse = settings.Sparse,
                AttrTimeout = settings.AttrTimeout,
                Logger = loggers.CreateLogger("reverse"),
                MemoryReleased = DaemonMemoryPolicy.CompactHeap,
            }, core);
            var options = new FuseMountOptions
            {
                ReadOnly = true,
                AllowOther = settings.AllowOther,
                DefaultPermissions = true,
                FsName = Path.GetFullPath(settings.PlainDir),
                Subtype = "reversecrypt",
                Debug = settings.Debug,
                // Listings with attributes in one round trip: measured 3.7 s vs 5.9 s (Auto) for ls -l of 100,000 entries.
                Readdirplus = FuseReaddirplusMode.Always,
                // Several 1 MiB READs in flight keep both reader threads encrypting: a fresh 1 GiB read measured
                // 2.1-2.5 GB/s with 1-16 MiB against 1.1-1.5 GB/s with the kernel's 128 KiB (bench/run.sh, docs/benchmarks.md).
                ReadaheadKb = 4096,
                IoUring = settings.IoUring,
            };
            var mount = FuseMountErrors.Translate(() => FuseMount.Mount(fileSystem, mountPoint, options, loggers.CreateLogger("fuse")));
            return new ReverseView(core, fileSystem, mount);
        }
        catch
        {
            fileSystem?.Dispose();
            core.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Fuse.Dispose();
        if (!Fuse.Completion.IsCompleted)
        {
            // The session still serves requests 5 s after the unmount (a busy mount detached lazily, or a machine
            // slowed to a crawl): the file system and the key stay alive for them and go with the process, rather
            // than answering those requests from disposed objects (seen under strace: LOOKUP threw
            // ObjectDisposedException on the name cipher and was answered EIO).
            return;
        }
        _fileSystem.Dispose();
        _core.Dispose();
    }
}
