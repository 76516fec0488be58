using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_getxattr_in</c> (8 bytes), for GETXATTR (followed by the name) and LISTXATTR.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseGetxattrIn
{
    /// <summary>Buffer size of the caller; 0 asks for the needed size only.</summary>
    public uint Size;
    public uint Padding;
}
