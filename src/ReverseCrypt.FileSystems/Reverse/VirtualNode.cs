using ReverseCrypt.Fuse;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// A file of the view with no plaintext object of its own: <see cref="DirIvNode"/>, <see cref="LongNameFileNode"/>
/// and <see cref="ConfigNode"/> (gocryptfs's virtual nodes in reverse mode). What they share: no extended attributes,
/// no children, and (diriv, .name) attributes borrowed from their source as a read-only regular file.
/// </summary>
internal abstract class VirtualNode : ReverseNode
{
    /// <summary>Virtual files (diriv, .name) are shown 10 s newer than their source, as gocryptfs >= 2.5 does.</summary>
    private const long TimeOffset = 10;

    protected VirtualNode(ulong nodeId, int slot, ReverseNode parent, byte[] plainName, uint fileType)
        : base(nodeId, slot, parent, plainName, fileType)
    {
    }

    /// <summary>Turns the source's attributes into a virtual file's: mode 0100444, <paramref name="size"/>, nlink 1,
    /// mtime/ctime + 10 s; it shows the source's own block size (the larger one of directories is for listings
    /// only).</summary>
    protected static void MakeVirtualFile(ref FuseAttr attr, int size, uint blksize)
    {
        attr.Mode = FuseConstants.S_IFREG | 0x124; // 0444
        attr.Blksize = blksize;
        attr.Size = (ulong)size;
        attr.Nlink = 1;
        attr.Rdev = 0;
        attr.Mtime += TimeOffset;
        attr.Ctime += TimeOffset;
    }
}
