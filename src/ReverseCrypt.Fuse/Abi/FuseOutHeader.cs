using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_out_header</c> (16 bytes). <see cref="Error"/> is a negative errno or 0.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseOutHeader
{
    public uint Len;
    public int Error;
    public ulong Unique;
}
