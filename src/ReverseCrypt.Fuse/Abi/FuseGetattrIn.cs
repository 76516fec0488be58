using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_getattr_in</c> (16 bytes, 7.9); <see cref="Fh"/> is valid with FUSE_GETATTR_FH.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseGetattrIn
{
    public uint GetattrFlags;
    public uint Dummy;
    public ulong Fh;
}
