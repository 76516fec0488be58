namespace ReverseCrypt.Fuse;

/// <summary>Fixed values of the FUSE protocol that filesystems need.</summary>
public static class FuseConstants
{
    /// <summary>The node id of the root directory (FUSE_ROOT_ID).</summary>
    public const ulong RootNodeId = 1;

    /// <summary>Size of the buffer given to <see cref="IFuseFileSystem.Readlink"/> (PATH_MAX).</summary>
    public const int MaxSymlinkLength = 4096;

    /// <summary>Largest xattr value or list the kernel asks for (XATTR_SIZE_MAX / XATTR_LIST_MAX).</summary>
    public const int MaxXattrSize = 65536;

    /// <summary>d_type values for <see cref="FuseDirectoryWriter.TryAdd"/> (DT_*); equal to (mode &amp; S_IFMT) &gt;&gt; 12.</summary>
    public const uint DirentUnknown = 0, DirentFifo = 1, DirentCharDevice = 2, DirentDirectory = 4,
        DirentBlockDevice = 6, DirentRegular = 8, DirentSymlink = 10, DirentSocket = 12;

    /// <summary>S_IFMT and the file type bits of st_mode.</summary>
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;

    /// <summary>The d_type matching an st_mode.</summary>
    public static uint DirentTypeOf(uint mode) => (mode & S_IFMT) >> 12;
}
