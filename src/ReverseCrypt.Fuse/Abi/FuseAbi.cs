namespace ReverseCrypt.Fuse.Abi;

/// <summary>Protocol constants from <c>linux/fuse.h</c>.</summary>
public static class FuseAbi
{
    /// <summary>FUSE_KERNEL_VERSION.</summary>
    public const uint KernelVersion = 7;

    /// <summary>The protocol minor this library speaks (FUSE_KERNEL_MINOR_VERSION of the mirrored header).</summary>
    public const uint KernelMinorVersion = 38;

    /// <summary>Oldest kernel minor accepted: 7.31 (Linux 5.4; max_pages, flags we rely on).</summary>
    public const uint MinimumKernelMinorVersion = 31;

    /// <summary>FUSE_MIN_READ_BUFFER: a read() on the device needs at least max(this, 80 + max_write) bytes.</summary>
    public const int MinReadBuffer = 8192;

    /// <summary>FUSE_NAME_OFFSET: size of the fixed part of <c>struct fuse_dirent</c>.</summary>
    public const int DirentNameOffset = 24;

    /// <summary>FUSE_GETATTR_FH.</summary>
    public const uint GetattrFh = 1;

    /// <summary>FUSE_READ_LOCKOWNER.</summary>
    public const uint ReadLockOwner = 2;

    /// <summary>FUSE_RELEASE_FLUSH.</summary>
    public const uint ReleaseFlush = 1;

    /// <summary>FUSE_DEV_IOC_CLONE = _IOR(229, 0, uint32_t).</summary>
    public const uint DevIocClone = 0x8004E500;
}
