using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_interrupt_in</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseInterruptIn
{
    public ulong Unique;
}
