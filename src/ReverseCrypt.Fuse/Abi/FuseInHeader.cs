using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_in_header</c> (40 bytes; total_extlen since 7.37).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseInHeader
{
    public uint Len;
    public uint Opcode;
    public ulong Unique;
    public ulong NodeId;
    public uint Uid;
    public uint Gid;
    public uint Pid;
    /// <summary>Length of the request extensions at the end, in 8-byte units.</summary>
    public ushort TotalExtlen;
    public ushort Padding;
}
