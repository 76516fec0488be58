using ReverseCrypt.Fuse;

namespace ReverseCrypt.FileSystems.Forward;

/// <summary>Settings of the read-only plaintext view of an encrypted tree (`reversecrypt mount CIPHERDIR MNT`).</summary>
public sealed class ForwardOptions
{
    /// <summary>The encrypted tree: a copy of a reverse view, or a gocryptfs AES-SIV filesystem.</summary>
    public required string CipherDir { get; init; }

    /// <summary>How long the kernel may cache names and attributes. Default 1 s.</summary>
    public TimeSpan CacheTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Directory descriptors kept open (least recently used are closed). Default 1024.</summary>
    public int DirectoryCacheCapacity { get; init; } = 1024;

    /// <summary>
    /// The mount options this filesystem is meant for: read-only, kernel permission checks from the shown modes
    /// (default_permissions), type "fuse.reversecrypt", the cipher directory as the source. The caller may change
    /// AllowOther and the like.
    /// </summary>
    public FuseMountOptions CreateMountOptions(bool allowOther = false, bool debug = false, bool ioUring = true) => new()
    {
        ReadOnly = true,
        IoUring = ioUring,
        DefaultPermissions = true,
        AllowOther = allowOther,
        Subtype = "reversecrypt",
        FsName = CipherDir.Replace(",", "_", StringComparison.Ordinal),
        Debug = debug,
    };
}
