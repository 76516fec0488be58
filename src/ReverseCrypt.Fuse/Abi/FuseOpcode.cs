namespace ReverseCrypt.Fuse.Abi;

/// <summary>Request opcodes (<c>enum fuse_opcode</c>), with the kernel's numbers.</summary>
public enum FuseOpcode : uint
{
    Lookup = 1,
    /// <summary>No reply.</summary>
    Forget = 2,
    Getattr = 3,
    Setattr = 4,
    Readlink = 5,
    Symlink = 6,
    Mknod = 8,
    Mkdir = 9,
    Unlink = 10,
    Rmdir = 11,
    Rename = 12,
    Link = 13,
    Open = 14,
    Read = 15,
    Write = 16,
    Statfs = 17,
    Release = 18,
    Fsync = 20,
    Setxattr = 21,
    Getxattr = 22,
    Listxattr = 23,
    Removexattr = 24,
    Flush = 25,
    Init = 26,
    Opendir = 27,
    Readdir = 28,
    Releasedir = 29,
    Fsyncdir = 30,
    Getlk = 31,
    Setlk = 32,
    Setlkw = 33,
    Access = 34,
    Create = 35,
    /// <summary>No reply.</summary>
    Interrupt = 36,
    Bmap = 37,
    Destroy = 38,
    Ioctl = 39,
    Poll = 40,
    /// <summary>No reply (it answers a NOTIFY_RETRIEVE).</summary>
    NotifyReply = 41,
    /// <summary>No reply (7.16).</summary>
    BatchForget = 42,
    Fallocate = 43,
    /// <summary>7.21.</summary>
    Readdirplus = 44,
    Rename2 = 45,
    Lseek = 46,
    CopyFileRange = 47,
    Setupmapping = 48,
    Removemapping = 49,
    Syncfs = 50,
    Tmpfile = 51,
    /// <summary>7.39 (newer than our header); answered ENOSYS so the kernel falls back to GETATTR.</summary>
    Statx = 52,
}
