// The nodes that stand for plaintext objects: the root and everything under it, under their encrypted names.
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// A real plaintext object (file, directory, symlink, FIFO, socket, device) under its encrypted name. Its
/// attributes, content (<see cref="ContentFile"/>), symlink target, xattrs and listing are the bulk of the view and
/// live in the file system's partial files (Attributes, Read, Xattr, Readdir); this type holds the decisions that
/// differ from the virtual nodes.
/// </summary>
internal sealed class RealNode : ReverseNode
{
    public RealNode(ulong nodeId, int slot, ReverseNode parent, byte[] plainName, uint fileType)
        : base(nodeId, slot, parent, plainName, fileType)
    {
    }

    public override ReverseNodeKind Kind => ReverseNodeKind.Real;

    public override bool CanBeDirectory => FileType == FuseConstants.S_IFDIR;

    internal override bool HasXattrs => true;

    internal override bool FollowsExcludes => true;

    internal override Errno GetAttr(ReverseFileSystem fs, out FuseAttr attr, out Libc.StatxBuffer st)
    {
        attr = default;
        var errno = fs.Tree.Stat(this, out st);
        if (errno == Errno.OK)
        {
            attr = fs.RealAttr(st);
        }
        return errno;
    }

    internal override Errno Open(ReverseFileSystem fs, out OpenFile? file, out FuseOpenFlags openFlags) =>
        fs.OpenReal(this, out file, out openFlags);

    internal override byte[] MakeCipherName(ReverseFileSystem fs) => fs.EncryptNodeName(this, dotNameFile: false);
}

/// <summary>The root directory: a real directory with the root's node id as its inode number and an empty cipher
/// name and path.</summary>
internal sealed class RootNode : ReverseNode
{
    public RootNode(ulong nodeId)
        : base(nodeId)
    {
    }

    public override ReverseNodeKind Kind => ReverseNodeKind.Root;

    public override bool CanBeDirectory => true;

    internal override bool HasXattrs => true;

    internal override Errno GetAttr(ReverseFileSystem fs, out FuseAttr attr, out Libc.StatxBuffer st)
    {
        attr = default;
        var errno = fs.Tree.Stat(this, out st);
        if (errno == Errno.OK)
        {
            attr = FuseMapping.FromStatx(st, FuseConstants.RootNodeId);
        }
        return errno;
    }

    internal override Errno Open(ReverseFileSystem fs, out OpenFile? file, out FuseOpenFlags openFlags)
    {
        file = null;
        openFlags = FuseOpenFlags.None;
        return Errno.EISDIR;
    }

    /// <summary>Never called: the root's (empty) cipher name is set when it is made.</summary>
    internal override byte[] MakeCipherName(ReverseFileSystem fs) => [];
}
