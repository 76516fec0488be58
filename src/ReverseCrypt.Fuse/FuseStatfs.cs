using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse;

/// <summary>Filesystem statistics: the exact layout of <c>struct fuse_kstatfs</c> (80 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseStatfs
{
    /// <summary>Total data blocks, in <see cref="Frsize"/> units.</summary>
    public ulong Blocks;
    public ulong Bfree;
    public ulong Bavail;
    public ulong Files;
    public ulong Ffree;
    public uint Bsize;
    /// <summary>Longest file name in bytes.</summary>
    public uint Namelen;
    public uint Frsize;
    private readonly uint _padding;
    private readonly Spare6 _spare;

    [System.Runtime.CompilerServices.InlineArray(6)]
    private struct Spare6
    {
        private uint _element;
    }
}
