// gocryptfs.longname.*.name of a long-named entry (docs/format.md 7.5): everything the view does for it, in one place.
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// The virtual gocryptfs.longname.HASH.name beside an entry whose encrypted name is too long (listed as
/// gocryptfs.longname.HASH): its content the full encrypted name, its attributes the long-named object's as a
/// read-only file of that length. Its plaintext name is the long-named sibling's, so excludes apply to it too.
/// </summary>
internal sealed class LongNameFileNode : VirtualNode
{
    public LongNameFileNode(ulong nodeId, int slot, ReverseNode parent, byte[] siblingPlainName)
        : base(nodeId, slot, parent, siblingPlainName, FuseConstants.S_IFREG)
    {
    }

    public override ReverseNodeKind Kind => ReverseNodeKind.LongNameFile;

    internal override bool FollowsExcludes => true;

    /// <summary>Lookup: the hashed long name a .name file's view name stands for, or false for another name.</summary>
    public static bool TryParse(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> hashedName)
    {
        if (!NameTransform.IsLongNameDotName(name))
        {
            hashedName = default;
            return false;
        }
        hashedName = name[..^NameTransform.LongNameSuffix.Length];
        return true;
    }

    /// <summary>The listing's entry for the .name file of the long-named entry <paramref name="hashed"/> (whose stat
    /// is <paramref name="st"/>).</summary>
    public static ReverseListingEntry ListingEntry(ReverseFileSystem fs, byte[] hashed, byte[] plain, byte[] full,
        in Libc.StatxBuffer st)
    {
        var dotName = new byte[hashed.Length + NameTransform.LongNameSuffix.Length];
        hashed.CopyTo(dotName, 0);
        NameTransform.LongNameSuffix.CopyTo(dotName.AsSpan(hashed.Length));
        return new ReverseListingEntry
        {
            ViewName = dotName,
            Kind = ReverseNodeKind.LongNameFile,
            PlainName = plain,
            FullCipherName = full,
            Type = FuseConstants.DirentRegular,
            Attr = Attr(fs, st, full.Length),
        };
    }

    /// <summary>The long-named object's attributes with mode 0100444, the full encrypted name's length as size,
    /// nlink 1, mtime/ctime + 10 s.</summary>
    public static FuseAttr Attr(ReverseFileSystem fs, in Libc.StatxBuffer objectStat, int fullCipherNameLength)
    {
        var attr = FuseMapping.FromStatx(objectStat, fs.Inodes.Map(objectStat.Dev, InodeMap.TagLongName, objectStat.Ino));
        MakeVirtualFile(ref attr, fullCipherNameLength, objectStat.Blksize);
        return attr;
    }

    internal override Errno GetAttr(ReverseFileSystem fs, out FuseAttr attr, out Libc.StatxBuffer st)
    {
        attr = default;
        var errno = fs.Tree.StatChild(ViewParent!, PlainName, out st);
        if (errno == Errno.OK)
        {
            attr = Attr(fs, st, fs.FullCipherNameOf(this)!.Length);
        }
        return errno;
    }

    /// <summary>The full encrypted name as fixed bytes; cached pages stay valid (the content depends on the path
    /// only).</summary>
    internal override Errno Open(ReverseFileSystem fs, out OpenFile? file, out FuseOpenFlags openFlags)
    {
        file = new MemoryFile(this, fs.FullCipherNameOf(this)!);
        openFlags = FuseOpenFlags.KeepCache;
        return Errno.OK;
    }

    /// <summary>The sibling's hashed name with the ".name" suffix.</summary>
    internal override byte[] MakeCipherName(ReverseFileSystem fs) => fs.EncryptNodeName(this, dotNameFile: true);
}
