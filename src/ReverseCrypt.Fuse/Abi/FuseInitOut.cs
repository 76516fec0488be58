using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_init_out</c> (64 bytes; max_pages 7.28, flags2 7.36).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseInitOut
{
    public uint Major;
    public uint Minor;
    public uint MaxReadahead;
    public uint Flags;
    public ushort MaxBackground;
    public ushort CongestionThreshold;
    public uint MaxWrite;
    public uint TimeGran;
    public ushort MaxPages;
    public ushort MapAlignment;
    public uint Flags2;
    public Unused7 Unused;

    [System.Runtime.CompilerServices.InlineArray(7)]
    public struct Unused7
    {
        private uint _element;
    }
}
