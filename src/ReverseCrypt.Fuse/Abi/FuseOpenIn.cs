using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_open_in</c> (8 bytes; open_flags 7.36), for OPEN and OPENDIR.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseOpenIn
{
    public uint Flags;
    /// <summary>FUSE_OPEN_KILL_SUIDGID.</summary>
    public uint OpenFlags;
}
