namespace ReverseCrypt.Fuse;

/// <summary>The kernel's <c>nodeid</c> of an inode, inside the library: a node id cannot be passed where a file
/// handle is meant. <see cref="IFuseFileSystem"/> still takes <see cref="ulong"/> (changing it would touch every
/// filesystem's methods); the dispatcher unwraps at that boundary.</summary>
internal readonly record struct NodeId(ulong Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The <c>fh</c> a filesystem chose at OPEN/OPENDIR, as the kernel sends it back.</summary>
internal readonly record struct FileHandle(ulong Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
