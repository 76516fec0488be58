using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_getxattr_out</c> (8 bytes): the answer to a size probe.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseGetxattrOut
{
    public uint Size;
    public uint Padding;
}
