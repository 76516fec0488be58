using System.Buffers;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>
/// Syscall helpers for reading an untrusted tree: every object is reached as one name in a directory descriptor,
/// opened with O_NOFOLLOW (a symlink is never followed) and O_NONBLOCK (a FIFO planted where a file is expected does
/// not block), and checked to be of the expected type on the open descriptor before anything is read. Small files
/// are read with a bound one byte over their legal maximum, so an oversized file is detected without reading it.
/// </summary>
public static class CipherIo
{
    private const Libc.OpenFlags DirectoryFlags =
        Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY | Libc.OpenFlags.O_NOFOLLOW;

    // O_NOCTTY: a terminal device planted in the tree never becomes our controlling terminal.
    private const Libc.OpenFlags RegularFlags =
        Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_NOFOLLOW | Libc.OpenFlags.O_NONBLOCK | Libc.OpenFlags.O_NOCTTY;

    // The same for a path chosen by the user (a config file), whose symlinks are followed.
    private const Libc.OpenFlags FollowingRegularFlags =
        Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_NONBLOCK | Libc.OpenFlags.O_NOCTTY;

    private const int GetdentsBufferSize = 64 * 1024;

    /// <summary>S_IFMT values.</summary>
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;

    /// <summary>Opens a directory given by path (the user's choice of root: symlinks in it are followed).</summary>
    public static unsafe SafeFd? OpenRootDirectory(string path, out Errno errno)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            return Libc.OpenatZ(Libc.AT_FDCWD, p, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY, out errno);
        }
    }

    /// <summary>Opens the subdirectory <paramref name="name"/> of <paramref name="dirFd"/> for reading, without
    /// following a symlink (ENOTDIR / ELOOP for anything but a directory).</summary>
    public static SafeFd? OpenDirectory(SafeFd dirFd, ReadOnlySpan<byte> name, out Errno errno) =>
        Libc.OpenatName(dirFd, name, DirectoryFlags, out errno);

    /// <summary>A second descriptor of the directory <paramref name="dirFd"/> itself (own getdents offset).</summary>
    public static SafeFd? ReopenDirectory(SafeFd dirFd, out Errno errno) =>
        Libc.OpenatZ(dirFd, ".\0"u8, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY, out errno);

    /// <inheritdoc cref="ReopenDirectory(SafeFd, out Errno)"/>
    /// <remarks>Raw descriptor: for a <see cref="CipherDir"/>, whose owner keeps the directory open.</remarks>
    public static SafeFd? ReopenDirectory(int dirFd, out Errno errno) =>
        Libc.OpenatZ(dirFd, ".\0"u8, Libc.OpenFlags.O_RDONLY | Libc.OpenFlags.O_DIRECTORY, out errno);

    /// <summary>
    /// Opens <paramref name="name"/> for reading only if it is a regular file (EINVAL with a non-regular
    /// <paramref name="stat"/> otherwise; ELOOP for a symlink). The type is checked with statx before the open, so
    /// a device node is never opened (opening one can have side effects), and again on the open descriptor. The
    /// statx of the open descriptor is returned.
    /// </summary>
    public static SafeFd? OpenRegular(SafeFd dirFd, ReadOnlySpan<byte> name, out Libc.StatxBuffer stat, out Errno errno)
    {
        errno = Libc.StatxName(dirFd, name, out stat);
        if (errno != Errno.OK)
        {
            return null;
        }
        if (stat.FileType != S_IFREG)
        {
            errno = Errno.EINVAL;
            return null;
        }
        return CheckRegular(Libc.OpenatName(dirFd, name, RegularFlags, out errno), ref stat, ref errno);
    }

    /// <inheritdoc cref="OpenRegular(SafeFd, ReadOnlySpan{byte}, out Libc.StatxBuffer, out Errno)"/>
    /// <remarks>Raw descriptor: for a <see cref="CipherDir"/> over a borrowed directory (a lease keeps it open).</remarks>
    public static SafeFd? OpenRegular(int dirFd, ReadOnlySpan<byte> name, out Libc.StatxBuffer stat, out Errno errno)
    {
        errno = Libc.StatxName(dirFd, name, out stat);
        if (errno != Errno.OK)
        {
            return null;
        }
        if (stat.FileType != S_IFREG)
        {
            errno = Errno.EINVAL;
            return null;
        }
        return CheckRegular(Libc.OpenatName(dirFd, name, RegularFlags, out errno), ref stat, ref errno);
    }

    /// <summary>
    /// <see cref="OpenRegular"/> for a path chosen by the user, such as a config file: symlinks in it (the last one
    /// too) are followed, as for <see cref="OpenRootDirectory"/>, but only a regular file is opened.
    /// </summary>
    public static unsafe SafeFd? OpenRegularPath(string path, out Libc.StatxBuffer stat, out Errno errno)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            errno = Libc.StatxZ(Libc.AT_FDCWD, p, Libc.AT_NO_AUTOMOUNT, out stat);
            if (errno != Errno.OK)
            {
                return null;
            }
            if (stat.FileType != S_IFREG)
            {
                errno = Errno.EINVAL;
                return null;
            }
            return CheckRegular(Libc.OpenatZ(Libc.AT_FDCWD, p, FollowingRegularFlags, out errno), ref stat, ref errno);
        }
    }

    /// <summary>The open descriptor (null: the open failed, errno and stat untouched) if it still is a regular file
    /// (stat: its statx), else null and EINVAL.</summary>
    private static SafeFd? CheckRegular(SafeFd? fd, ref Libc.StatxBuffer stat, ref Errno errno)
    {
        if (fd is null)
        {
            return null;
        }
        errno = Libc.StatxFd(fd, out stat);
        if (errno != Errno.OK)
        {
            fd.Dispose();
            return null;
        }
        if (stat.FileType != S_IFREG)
        {
            fd.Dispose();
            errno = Errno.EINVAL;
            return null;
        }
        return fd;
    }

    /// <summary>
    /// Reads a small regular file into <paramref name="buffer"/> (size it one byte larger than the largest legal
    /// content to detect an oversized file). Returns the byte count, or -1 with <paramref name="errno"/> (ENOENT,
    /// ELOOP for a symlink, EINVAL for a non-regular file...).
    /// </summary>
    public static int ReadSmallFile(SafeFd dirFd, ReadOnlySpan<byte> name, Span<byte> buffer, out Errno errno)
    {
        using var fd = OpenRegular(dirFd, name, out _, out errno);
        return fd is null ? -1 : Libc.PreadFull(fd, buffer, 0, out errno);
    }

    /// <inheritdoc cref="ReadSmallFile(SafeFd, ReadOnlySpan{byte}, Span{byte}, out Errno)"/>
    /// <remarks>Raw descriptor: for a <see cref="CipherDir"/> over a borrowed directory (a lease keeps it open).</remarks>
    public static int ReadSmallFile(int dirFd, ReadOnlySpan<byte> name, Span<byte> buffer, out Errno errno)
    {
        using var fd = OpenRegular(dirFd, name, out _, out errno);
        return fd is null ? -1 : Libc.PreadFull(fd, buffer, 0, out errno);
    }

    /// <summary>
    /// All entries of the directory (a fresh descriptor, so concurrent listings do not share an offset), in getdents
    /// order, without "." and "..". Null with <paramref name="errno"/> when the directory cannot be read.
    /// </summary>
    public static List<RawDirEntry>? ReadEntries(SafeFd dirFd, out Errno errno) =>
        ReadAllEntries(ReopenDirectory(dirFd, out errno), ref errno);

    /// <inheritdoc cref="ReadEntries(SafeFd, out Errno)"/>
    /// <remarks>Raw descriptor: for a <see cref="CipherDir"/> over a borrowed directory (a lease keeps it open).</remarks>
    public static List<RawDirEntry>? ReadEntries(int dirFd, out Errno errno) =>
        ReadAllEntries(ReopenDirectory(dirFd, out errno), ref errno);

    /// <summary>Every entry of the fresh descriptor <paramref name="opened"/> (null: the open failed with
    /// <paramref name="errno"/>), which it closes.</summary>
    private static List<RawDirEntry>? ReadAllEntries(SafeFd? opened, ref Errno errno)
    {
        using var listing = opened;
        if (listing is null)
        {
            return null;
        }
        var entries = new List<RawDirEntry>();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(GetdentsBufferSize);
        try
        {
            while (true)
            {
                int filled = Libc.Getdents64(listing, buffer, out errno);
                if (filled < 0)
                {
                    return null;
                }
                if (filled == 0)
                {
                    errno = Errno.OK;
                    return entries;
                }
                var reader = new Libc.DirentReader(buffer.AsSpan(0, filled));
                while (reader.MoveNext())
                {
                    var name = reader.Name;
                    if (name.IsEmpty || name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                    {
                        continue;
                    }
                    entries.Add(new RawDirEntry(name.ToArray(), reader.Type, reader.Ino));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The d_type of an st_mode.</summary>
    public static byte DirentTypeOf(uint mode) => (byte)((mode & S_IFMT) >> 12);
}
