// gocryptfs.conf in the view's root (docs/format.md 3.1 and 18): everything the view does for it, in one place.
using ReverseCrypt.FileSystems.Backing;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>Where the view's gocryptfs.conf comes from.</summary>
internal enum ConfigShown
{
    /// <summary>Hidden (--hide-config).</summary>
    None,
    /// <summary>The root's .gocryptfs.reverse.conf, listed as gocryptfs.conf in its getdents position.</summary>
    InTree,
    /// <summary>A config file outside the tree, listed after the root's entries.</summary>
    External,
}

/// <summary>
/// gocryptfs.conf in the root of the view: the config file, shown as it is (bytes and attributes passed through).
/// Its plaintext name is the in-tree config's name, or empty for a config outside the tree.
/// </summary>
internal sealed class ConfigNode : VirtualNode
{
    public ConfigNode(ulong nodeId, int slot, ReverseNode parent, byte[] plainName, uint fileType)
        : base(nodeId, slot, parent, plainName, fileType)
    {
    }

    public override ReverseNodeKind Kind => ReverseNodeKind.Config;

    /// <summary>Which config the view shows, and whether the root's .gocryptfs.reverse.conf is kept out of the
    /// listing as a real entry. The root's .gocryptfs.reverse.conf is the config unless another file was named.</summary>
    public static (ConfigShown Shown, bool InTreeReserved, string? ExternalPath) Decide(ReverseOptions options, BackingTree tree)
    {
        bool inTree = options.ConfigPath is null || IsInTreeConfig(options.ConfigPath, tree);
        if (inTree)
        {
            return (options.HideConfig ? ConfigShown.None : ConfigShown.InTree, true, null);
        }
        return (options.HideConfig ? ConfigShown.None : ConfigShown.External, false, options.ConfigPath);
    }

    /// <summary>Lookup: the config's node for <paramref name="name"/> in <paramref name="parent"/>, or null when the
    /// name is not the shown config.</summary>
    public static ConfigNode? Resolve(ReverseFileSystem fs, ReverseNode parent, ReadOnlySpan<byte> name)
    {
        if (!parent.IsRoot || fs.ConfigShown == ConfigShown.None || !name.SequenceEqual(NameTransform.ConfFileName))
        {
            return null;
        }
        byte[] plainName = fs.ConfigShown == ConfigShown.InTree ? NameTransform.ReverseConfFileName.ToArray() : [];
        return new ConfigNode(0, -1, parent, plainName, FuseConstants.S_IFREG);
    }

    /// <summary>The listing's entry for the in-tree config, found by getdents as <paramref name="plainName"/>.</summary>
    public static ReverseListingEntry InTreeListingEntry(ReverseFileSystem fs, byte[] plainName, uint type,
        in Libc.StatxBuffer st) => new()
        {
            ViewName = NameTransform.ConfFileName.ToArray(),
            Kind = ReverseNodeKind.Config,
            PlainName = plainName,
            Type = type,
            Attr = Attr(fs, st),
        };

    /// <summary>The listing's entry for a config outside the tree (after the root's entries), or false when it
    /// cannot be stat'ed now (then it is not listed).</summary>
    public static bool TryExternalListingEntry(ReverseFileSystem fs, out ReverseListingEntry entry)
    {
        entry = default;
        using var configFd = BackingTree.OpenPath(fs.ExternalConfigPath!, Libc.OpenFlags.O_PATH, out _);
        if (configFd is null || Libc.StatxFd(configFd, out var configStat) != Errno.OK)
        {
            return false;
        }
        entry = new ReverseListingEntry
        {
            ViewName = NameTransform.ConfFileName.ToArray(),
            Kind = ReverseNodeKind.Config,
            PlainName = [],
            Type = FuseConstants.DirentRegular,
            Attr = Attr(fs, configStat),
        };
        return true;
    }

    internal override Errno GetAttr(ReverseFileSystem fs, out FuseAttr attr, out Libc.StatxBuffer st)
    {
        attr = default;
        var errno = Stat(fs, out st);
        if (errno == Errno.OK)
        {
            attr = Attr(fs, st);
        }
        return errno;
    }

    /// <summary>The config's bytes as they are; cached pages stay valid while the file is unchanged.</summary>
    internal override Errno Open(ReverseFileSystem fs, out OpenFile? file, out FuseOpenFlags openFlags)
    {
        file = null;
        openFlags = FuseOpenFlags.None;
        var errno = OpenConfig(fs, out var fd, out var stat);
        if (fd is null)
        {
            return errno;
        }
        file = new PassThroughFile(this, fd, fs.Inodes);
        openFlags = fs.KeepCacheIfUnchanged(this, stat);
        return Errno.OK;
    }

    internal override byte[] MakeCipherName(ReverseFileSystem fs) => NameTransform.ConfFileName.ToArray();

    /// <summary>The config's attributes as they are (the inode number mapped as a real object's).</summary>
    private static FuseAttr Attr(ReverseFileSystem fs, in Libc.StatxBuffer st) =>
        FuseMapping.FromStatx(st, fs.Inodes.Map(st.Dev, InodeMap.TagReal, st.Ino));

    private Errno Stat(ReverseFileSystem fs, out Libc.StatxBuffer st)
    {
        if (fs.ExternalConfigPath is null)
        {
            return fs.Tree.Stat(this, out st);
        }
        using var fd = BackingTree.OpenPath(fs.ExternalConfigPath, Libc.OpenFlags.O_PATH, out var errno);
        if (fd is null)
        {
            st = default;
            return errno;
        }
        return Libc.StatxFd(fd, out st);
    }

    private Errno OpenConfig(ReverseFileSystem fs, out SafeFd? fd, out Libc.StatxBuffer stat)
    {
        Errno errno;
        if (fs.ExternalConfigPath is null)
        {
            fd = fs.Tree.OpenRegularFile(this, out stat, out errno);
            return errno;
        }
        stat = default;
        using var pathFd = BackingTree.OpenPath(fs.ExternalConfigPath, Libc.OpenFlags.O_PATH, out errno);
        fd = null;
        if (pathFd is null)
        {
            return errno;
        }
        errno = Libc.StatxFd(pathFd, out stat);
        if (errno != Errno.OK)
        {
            return errno;
        }
        if ((stat.Mode & FuseConstants.S_IFMT) != FuseConstants.S_IFREG)
        {
            return Errno.EACCES;
        }
        fd = BackingTree.ReopenReadOnly(pathFd, out errno);
        return errno;
    }

    private static bool IsInTreeConfig(string configPath, BackingTree tree)
    {
        using var config = BackingTree.OpenPath(configPath, Libc.OpenFlags.O_PATH, out _);
        if (config is null || Libc.StatxFd(config, out var configStat) != Errno.OK)
        {
            return false;
        }
        if (Libc.StatxName(tree.RootFd, NameTransform.ReverseConfFileName, out var inTreeStat) != Errno.OK)
        {
            return false;
        }
        return configStat.Dev == inTreeStat.Dev && configStat.Ino == inTreeStat.Ino;
    }
}
