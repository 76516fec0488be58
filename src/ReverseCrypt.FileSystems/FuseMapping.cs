// Kernel records built from the backing filesystem's (attributes, filesystem statistics) and the mode-bit permission
// check, shared by the forward and the reverse view.
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems;

internal static class FuseMapping
{
    /// <summary>The attributes of <paramref name="st"/> as they are (st_rdev encoded for every type), with the view
    /// inode number <paramref name="ino"/>; directories show at least <see cref="DirectoryBlksize"/> as their
    /// st_blksize.</summary>
    public static FuseAttr FromStatx(in Libc.StatxBuffer st, ulong ino) => new()
    {
        Ino = ino,
        Size = st.Size,
        Blocks = st.Blocks,
        Atime = st.Atime.Sec,
        AtimeNsec = st.Atime.Nsec,
        Mtime = st.Mtime.Sec,
        MtimeNsec = st.Mtime.Nsec,
        Ctime = st.Ctime.Sec,
        CtimeNsec = st.Ctime.Nsec,
        Mode = st.Mode,
        Nlink = st.Nlink,
        Uid = st.Uid,
        Gid = st.Gid,
        Rdev = Libc.EncodeDev32(st.RdevMajor, st.RdevMinor),
        Blksize = (st.Mode & FuseConstants.S_IFMT) == FuseConstants.S_IFDIR ? Math.Max(st.Blksize, DirectoryBlksize) : st.Blksize,
    };

    /// <summary>
    /// st_blksize shown for directories. glibc's opendir sizes its getdents buffer from it (32 KiB to 1 MiB), and the
    /// kernel asks a FUSE server for as many bytes of listing per READDIRPLUS: 256 KiB holds ~1,100 entries instead
    /// of ~140, so a 1000-entry directory is one round trip instead of seven (find over 100,300 entries: 702 → 202
    /// READDIRPLUS requests). It means nothing else for a directory.
    /// </summary>
    public const uint DirectoryBlksize = 256 * 1024;

    /// <summary>The backing filesystem's statistics as the kernel receives them (fragment size falls back to the
    /// block size; names up to <see cref="Libc.NameMax"/> bytes).</summary>
    public static FuseStatfs FromStatfs(in Libc.StatfsBuffer fs) => new()
    {
        Blocks = fs.Blocks,
        Bfree = fs.Bfree,
        Bavail = fs.Bavail,
        Files = fs.Files,
        Ffree = fs.Ffree,
        Bsize = (uint)fs.Bsize,
        Frsize = (uint)(fs.Frsize > 0 ? fs.Frsize : fs.Bsize),
        Namelen = (uint)Libc.NameMax,
    };

    /// <summary>access(2) from the shown mode bits for the calling process (R_OK/X_OK; W_OK is the view's own
    /// decision): root may read everything and execute when any x bit is set or it is a directory; others get the
    /// owner, group or other bits.</summary>
    public static Errno CheckMode(in FuseAttr attr, int mask)
    {
        const int X_OK = 1;
        var caller = FuseRequestContext.Current;
        uint mode = attr.Mode;
        if (caller.Uid == 0)
        {
            bool anyExec = (mode & 0b001_001_001) != 0 || (mode & FuseConstants.S_IFMT) == FuseConstants.S_IFDIR;
            return (mask & X_OK) != 0 && !anyExec ? Errno.EACCES : Errno.OK;
        }
        uint bits = caller.Uid == attr.Uid ? (mode >> 6) & 7 : caller.Gid == attr.Gid ? (mode >> 3) & 7 : mode & 7;
        return ((uint)mask & 7 & ~bits) == 0 ? Errno.OK : Errno.EACCES;
    }
}
