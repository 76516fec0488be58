using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_forget_one</c> (16 bytes, 7.16).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseForgetOne
{
    public ulong NodeId;
    public ulong Nlookup;
}
