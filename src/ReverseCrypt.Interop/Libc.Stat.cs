using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Stat family: statx(2) (fixed layout on every architecture, nanosecond times, device numbers split in
/// major/minor) and fstatfs(2).
/// </summary>
public static partial class Libc
{
    /// <summary>statx mask bits.</summary>
    public const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_NLINK = 0x4, STATX_UID = 0x8, STATX_GID = 0x10,
        STATX_ATIME = 0x20, STATX_MTIME = 0x40, STATX_CTIME = 0x80, STATX_INO = 0x100, STATX_SIZE = 0x200,
        STATX_BLOCKS = 0x400, STATX_BASIC_STATS = 0x7ff, STATX_BTIME = 0x800, STATX_MNT_ID = 0x1000;

    /// <summary>statx(2) with a NUL-terminated path. Returns 0 or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "statx", SetLastError = true)]
    internal static partial int Statx(SafeFd dirfd, ReadOnlySpan<byte> pathZ, int flags, uint mask, out StatxBuffer statx);

    [LibraryImport(LibName, EntryPoint = "statx", SetLastError = true)]
    private static partial int Statx(int dirfd, ReadOnlySpan<byte> pathZ, int flags, uint mask, out StatxBuffer statx);

    /// <summary>fstatfs(2) (works on O_PATH descriptors). Returns 0 or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "fstatfs64", SetLastError = true)]
    public static partial int Fstatfs(SafeFd fd, out StatfsBuffer statfs);

    /// <summary>The mask every statx here asks for. The birth time costs nothing more (same inode); where the file
    /// system has one, it tells a new file that reuses an inode number from the old one (the reverse view's change
    /// detection).</summary>
    private const uint StatxMask = STATX_BASIC_STATS | STATX_BTIME;

    /// <summary>lstat semantics: never follow a final symlink, never trigger an automount.</summary>
    private const int NoFollow = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT;

    /// <summary>statx of one name component in <paramref name="dirfd"/> without following a symlink (lstat semantics),
    /// retried on EINTR.</summary>
    public static Errno StatxName(SafeFd dirfd, ReadOnlySpan<byte> name, out StatxBuffer statx)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            statx = default;
            return errno;
        }
        return StatxZ(dirfd, nameZ, NoFollow, out statx);
    }

    /// <inheritdoc cref="StatxName(SafeFd, ReadOnlySpan{byte}, out StatxBuffer)"/>
    /// <remarks>Raw dirfd: for a directory that a lease keeps open (BackingTree) and for
    /// src/ReverseCrypt.FileSystems/Reverse until it is converted.</remarks>
    public static Errno StatxName(int dirfd, ReadOnlySpan<byte> name, out StatxBuffer statx)
    {
        Span<byte> nameZ = stackalloc byte[NameMax + 1];
        if (!TryTerminateName(name, nameZ, out var errno))
        {
            statx = default;
            return errno;
        }
        return StatxZ(dirfd, nameZ, NoFollow, out statx);
    }

    /// <summary>statx of the object <paramref name="fd"/> itself (AT_EMPTY_PATH; O_PATH fds work), retried on EINTR.</summary>
    public static Errno StatxFd(SafeFd fd, out StatxBuffer statx) => StatxZ(fd, "\0"u8, AT_EMPTY_PATH | NoFollow, out statx);

    /// <inheritdoc cref="StatxFd(SafeFd, out StatxBuffer)"/>
    /// <remarks>Raw descriptor: for a directory that a lease keeps open (its cache may dispose the handle meanwhile).</remarks>
    public static Errno StatxFd(int fd, out StatxBuffer statx) => StatxZ(fd, "\0"u8, AT_EMPTY_PATH | NoFollow, out statx);

    /// <summary>statx with a NUL-terminated path (the span holds the NUL), retried on EINTR.</summary>
    public static Errno StatxZ(SafeFd dirfd, ReadOnlySpan<byte> pathZ, int flags, out StatxBuffer statx)
    {
        statx = default;
        RetryOnEintr(dirfd, pathZ, new StatxCall(flags, ref statx),
            static (d, p, c) => Statx(d, p, c.Flags, StatxMask, out c.Buffer), out var errno);
        return errno;
    }

    /// <summary>statx with a NUL-terminated path relative to a raw dirfd: <see cref="AT_FDCWD"/> (no descriptor at
    /// all) or a directory a lease keeps open; retried on EINTR.</summary>
    public static unsafe Errno StatxZ(int dirfd, byte* pathZ, int flags, out StatxBuffer statx) =>
        StatxZ(dirfd, Terminated(pathZ), flags, out statx);

    /// <inheritdoc cref="StatxZ(int, byte*, int, out StatxBuffer)"/>
    public static Errno StatxZ(int dirfd, ReadOnlySpan<byte> pathZ, int flags, out StatxBuffer statx)
    {
        statx = default;
        RetryOnEintr(dirfd, pathZ, new StatxCall(flags, ref statx),
            static (d, p, c) => Statx(d, p, c.Flags, StatxMask, out c.Buffer), out var errno);
        return errno;
    }

    /// <summary>fstatfs of <paramref name="fd"/>: OK or the errno.</summary>
    public static Errno FstatfsFd(SafeFd fd, out StatfsBuffer statfs) =>
        Fstatfs(fd, out statfs) == 0 ? Errno.OK : LastErrno;

    /// <summary>The flags and the output of one statx call, for <see cref="RetryOnEintr{T1, T2, T3, TResult}"/>.</summary>
    private readonly ref struct StatxCall(int flags, ref StatxBuffer buffer)
    {
        public readonly int Flags = flags;
        public readonly ref StatxBuffer Buffer = ref buffer;
    }

    /// <summary>struct statx (256 bytes, identical on every Linux architecture).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(4)] public uint Blksize;
        [FieldOffset(8)] public ulong Attributes;
        [FieldOffset(16)] public uint Nlink;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(48)] public ulong Blocks;
        [FieldOffset(56)] public ulong AttributesMask;
        [FieldOffset(64)] public StatxTimestamp Atime;
        [FieldOffset(80)] public StatxTimestamp Btime;
        [FieldOffset(96)] public StatxTimestamp Ctime;
        [FieldOffset(112)] public StatxTimestamp Mtime;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
        [FieldOffset(144)] public ulong MntId;

        /// <summary>The device of the object as the kernel's encoded dev_t (glibc makedev), for st_dev comparisons.</summary>
        public readonly ulong Dev => MakeDev(DevMajor, DevMinor);

        /// <summary>The device a special file stands for, as the kernel's encoded dev_t (glibc makedev).</summary>
        public readonly ulong Rdev => MakeDev(RdevMajor, RdevMinor);

        /// <summary>S_IFMT bits of <see cref="Mode"/>.</summary>
        public readonly uint FileType => Mode & 0xF000u;
    }

    /// <summary>struct statx_timestamp: seconds since the epoch (negative before 1970) and nanoseconds.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 16)]
    public struct StatxTimestamp
    {
        public long Sec;
        public uint Nsec;
    }

    /// <summary>struct statfs on x86-64 (120 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 120)]
    public struct StatfsBuffer
    {
        public long Type;
        public long Bsize;
        public ulong Blocks;
        public ulong Bfree;
        public ulong Bavail;
        public ulong Files;
        public ulong Ffree;
        public ulong Fsid;
        public long Namelen;
        public long Frsize;
        public long Flags;
    }

    /// <summary>glibc's makedev: the 64-bit dev_t of a major/minor pair.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000u) << 32) | ((ulong)(major & 0xfffu) << 8)
        | ((ulong)(minor & 0xffffff00u) << 12) | (minor & 0xffu);

    /// <summary>The 32-bit "new" encoding of a device number used by stat(2) and FUSE (new_encode_dev).</summary>
    public static uint EncodeDev32(uint major, uint minor) =>
        (minor & 0xffu) | (major << 8) | ((minor & ~0xffu) << 12);
}
