using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_access_in</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseAccessIn
{
    public uint Mask;
    public uint Padding;
}
