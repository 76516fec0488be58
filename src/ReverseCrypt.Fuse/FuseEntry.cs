using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse;

/// <summary>
/// The answer to a lookup (and each READDIRPLUS entry): the exact layout of <c>struct fuse_entry_out</c> (128 bytes).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseEntry
{
    /// <summary>Node id chosen by the filesystem (0 = negative entry, cached for the entry timeout).</summary>
    public ulong NodeId;
    /// <summary>Makes (NodeId, Generation) unique over the filesystem's lifetime if node ids are reused.</summary>
    public ulong Generation;
    /// <summary>Seconds part of the name cache timeout; prefer <see cref="EntryTimeout"/>.</summary>
    public ulong EntryValid;
    /// <summary>Seconds part of the attribute cache timeout; prefer <see cref="AttrTimeout"/>.</summary>
    public ulong AttrValid;
    public uint EntryValidNsec;
    public uint AttrValidNsec;
    public FuseAttr Attr;

    /// <summary>How long the kernel may cache the name-to-node mapping.</summary>
    public TimeSpan EntryTimeout
    {
        readonly get => FuseTimeout.ToTimeSpan(EntryValid, EntryValidNsec);
        set => FuseTimeout.Split(value, out EntryValid, out EntryValidNsec);
    }

    /// <summary>How long the kernel may cache <see cref="Attr"/>.</summary>
    public TimeSpan AttrTimeout
    {
        readonly get => FuseTimeout.ToTimeSpan(AttrValid, AttrValidNsec);
        set => FuseTimeout.Split(value, out AttrValid, out AttrValidNsec);
    }
}
