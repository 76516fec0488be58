using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_open_out</c> (16 bytes), the OPEN and OPENDIR reply.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseOpenOut
{
    public ulong Fh;
    public uint OpenFlags;
    public uint Padding;
}
