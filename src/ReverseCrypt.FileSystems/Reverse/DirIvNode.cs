// gocryptfs.diriv of a view directory (docs/format.md 6): everything the view does for it, in one place.
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// The virtual gocryptfs.diriv of its parent directory: listed after the directory's entries (when names are
/// encrypted with DirIV), its content the directory's IV (16 bytes, from the directory's cipher path), its
/// attributes the directory's as a read-only 16-byte file. Its plaintext name is empty.
/// </summary>
internal sealed class DirIvNode : VirtualNode
{
    public DirIvNode(ulong nodeId, int slot, ReverseNode parent)
        : base(nodeId, slot, parent, [], FuseConstants.S_IFREG)
    {
    }

    public override ReverseNodeKind Kind => ReverseNodeKind.DirIv;

    /// <summary>Lookup: true when <paramref name="name"/> is the diriv of any view directory.</summary>
    public static bool IsShownAs(ReverseFileSystem fs, ReadOnlySpan<byte> name) =>
        fs.DirIvFiles && name.SequenceEqual(NameTransform.DirIvFileName);

    /// <summary>The listing's entry for the diriv of the directory whose stat is <paramref name="dirStat"/>.</summary>
    public static ReverseListingEntry ListingEntry(ReverseFileSystem fs, in Libc.StatxBuffer dirStat) => new()
    {
        ViewName = NameTransform.DirIvFileName.ToArray(),
        Kind = ReverseNodeKind.DirIv,
        PlainName = [],
        Type = FuseConstants.DirentRegular,
        Attr = Attr(fs, dirStat),
    };

    /// <summary>The directory's attributes with mode 0100444, size 16, nlink 1, mtime/ctime + 10 s.</summary>
    public static FuseAttr Attr(ReverseFileSystem fs, in Libc.StatxBuffer dirStat)
    {
        var attr = FuseMapping.FromStatx(dirStat, fs.Inodes.Map(dirStat.Dev, InodeMap.TagDirIv, dirStat.Ino));
        MakeVirtualFile(ref attr, PathIv.Size, dirStat.Blksize);
        return attr;
    }

    internal override Errno GetAttr(ReverseFileSystem fs, out FuseAttr attr, out Libc.StatxBuffer st)
    {
        attr = default;
        var errno = StatDirectory(fs, out st);
        if (errno == Errno.OK)
        {
            attr = Attr(fs, st);
        }
        return errno;
    }

    /// <summary>The directory's IV as fixed bytes; cached pages stay valid (the content depends on the path only).</summary>
    internal override Errno Open(ReverseFileSystem fs, out OpenFile? file, out FuseOpenFlags openFlags)
    {
        file = null;
        openFlags = FuseOpenFlags.None;
        var errno = StatDirectory(fs, out _);
        if (errno != Errno.OK)
        {
            return errno;
        }
        file = new MemoryFile(this, fs.DirIvOf(ViewParent!));
        openFlags = FuseOpenFlags.KeepCache;
        return Errno.OK;
    }

    internal override byte[] MakeCipherName(ReverseFileSystem fs) => NameTransform.DirIvFileName.ToArray();

    /// <summary>The parent's stat; ENOENT when it is no longer a directory.</summary>
    private Errno StatDirectory(ReverseFileSystem fs, out Libc.StatxBuffer st)
    {
        var errno = fs.Tree.Stat(ViewParent!, out st);
        if (errno == Errno.OK && (st.Mode & FuseConstants.S_IFMT) != FuseConstants.S_IFDIR)
        {
            return Errno.ENOENT;
        }
        return errno;
    }
}
