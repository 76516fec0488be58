using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_init_in</c> (64 bytes since 7.36; 16 bytes before).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseInitIn
{
    /// <summary>Size of the fields before flags2, as sent by kernels older than 7.36.</summary>
    public const int CompatSize = 16;

    public uint Major;
    public uint Minor;
    public uint MaxReadahead;
    public uint Flags;
    /// <summary>7.36, valid only with FUSE_INIT_EXT in <see cref="Flags"/>.</summary>
    public uint Flags2;
    public Unused11 Unused;

    [System.Runtime.CompilerServices.InlineArray(11)]
    public struct Unused11
    {
        private uint _element;
    }
}
