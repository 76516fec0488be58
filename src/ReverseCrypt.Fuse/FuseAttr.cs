using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse;

/// <summary>
/// File attributes as the kernel receives them: the exact layout of <c>struct fuse_attr</c> (88 bytes, flags since
/// 7.9/7.32). Times are seconds since the epoch (negative before 1970) plus nanoseconds.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseAttr
{
    /// <summary>Inode number shown in st_ino (independent of the node id).</summary>
    public ulong Ino;
    public ulong Size;
    /// <summary>Number of 512-byte blocks.</summary>
    public ulong Blocks;
    public long Atime;
    public long Mtime;
    public long Ctime;
    public uint AtimeNsec;
    public uint MtimeNsec;
    public uint CtimeNsec;
    /// <summary>File type and permission bits (S_IFMT | 07777), as st_mode.</summary>
    public uint Mode;
    public uint Nlink;
    public uint Uid;
    public uint Gid;
    public uint Rdev;
    /// <summary>Preferred I/O size (st_blksize); 0 lets the kernel choose.</summary>
    public uint Blksize;
    /// <summary>FUSE_ATTR_* flags; leave 0.</summary>
    public uint Flags;
}
