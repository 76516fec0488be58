using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary>The fixed part of <c>struct fuse_dirent</c> (24 bytes = FUSE_NAME_OFFSET), followed by the name padded to
/// 8 bytes. <c>struct fuse_direntplus</c> is a <see cref="FuseEntry"/> followed by this.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseDirent
{
    public ulong Ino;
    public ulong Off;
    public uint Namelen;
    public uint Type;
}
