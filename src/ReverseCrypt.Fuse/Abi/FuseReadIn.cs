using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_read_in</c> (40 bytes; lock_owner and flags 7.9), for READ, READDIR and READDIRPLUS.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseReadIn
{
    public ulong Fh;
    public ulong Offset;
    public uint Size;
    public uint ReadFlags;
    public ulong LockOwner;
    public uint Flags;
    public uint Padding;
}
