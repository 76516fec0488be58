using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_batch_forget_in</c> (8 bytes, 7.16), followed by <see cref="Count"/>
/// <see cref="FuseForgetOne"/> entries.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseBatchForgetIn
{
    public uint Count;
    public uint Dummy;
}
