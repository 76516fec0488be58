namespace ReverseCrypt.Fuse;

/// <summary>Why mounting or unmounting failed (<see cref="FuseMountException.Kind"/>).</summary>
public enum FuseMountErrorKind
{
    /// <summary>The mountpoint does not exist.</summary>
    MountpointMissing,
    /// <summary>The mountpoint is not a directory.</summary>
    NotADirectory,
    /// <summary>A live FUSE filesystem is already mounted there.</summary>
    AlreadyMounted,
    /// <summary>A dead server's mount (ENOTCONN) is there and could not be detached.</summary>
    StaleMountpoint,
    /// <summary>No FUSE device (/dev/fuse missing, or the kernel lacks FUSE).</summary>
    NoFuseDevice,
    /// <summary>The caller may not mount or unmount (not root, /dev/fuse not accessible, no write access...).</summary>
    NotPermitted,
    /// <summary>fusermount3 is missing or failed for another reason (its message is included).</summary>
    FusermountFailed,
    /// <summary>The filesystem is in use; it stays mounted.</summary>
    Busy,
    /// <summary>Nothing is mounted at the path.</summary>
    NotMounted,
    /// <summary>mount(2) failed for another reason, or the kernel's INIT handshake failed or timed out.</summary>
    MountFailed,
}
