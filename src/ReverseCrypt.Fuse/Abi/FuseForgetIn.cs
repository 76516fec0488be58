using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_forget_in</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseForgetIn
{
    public ulong Nlookup;
}
