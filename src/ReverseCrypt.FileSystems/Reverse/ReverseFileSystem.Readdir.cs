// Directory listings (FORMAT.md 11.4 with 3.1, 6, 7.5, 12 and 18: "." and ".." are listed).
using ReverseCrypt.FileSystems.Backing;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

public sealed partial class ReverseFileSystem
{
    public override Errno Opendir(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        fileHandle = 0;
        openFlags = FuseOpenFlags.None;
        var node = DirectoryNode(nodeId, out var errno);
        if (node is null)
        {
            return errno;
        }
        errno = _tree.Stat(node, out var st);
        if (errno != Errno.OK)
        {
            return errno;
        }
        if ((st.Mode & S_IFMT) != S_IFDIR)
        {
            return Errno.ENOTDIR;
        }
        SafeFd? listing = null;
        if (!IsForeignDevice(st))
        {
            listing = _tree.OpenDirectoryForListing(node, out errno);
            if (listing is null)
            {
                return errno;
            }
        }
        fileHandle = _dirs.Add(new ReverseDirHandle(node, listing));
        return Errno.OK;
    }

    public override Errno Readdir(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) =>
        ReaddirCore(fileHandle, offset, ref writer);

    public override Errno Readdirplus(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) =>
        ReaddirCore(fileHandle, offset, ref writer);

    public override Errno Releasedir(ulong nodeId, ulong fileHandle, int flags)
    {
        _dirs.Remove(fileHandle)?.Dispose();
        return Errno.OK;
    }

    private Errno ReaddirCore(ulong fileHandle, long offset, ref FuseDirectoryWriter writer)
    {
        var handle = _dirs.Get(fileHandle);
        if (handle is null)
        {
            return Errno.EBADF;
        }
        if (offset < 0)
        {
            return Errno.EINVAL;
        }
        lock (handle)
        {
            if (handle.Snapshot is null || (offset == 0 && handle.Served))
            {
                var errno = TakeSnapshot(handle);
                if (errno != Errno.OK)
                {
                    ReverseLog.ListingFailed(_log, handle.Node.NodeId, errno.ToString());
                    return errno;
                }
            }
            var snapshot = handle.Snapshot!;
            var dir = handle.Node;
            for (long i = offset; i < snapshot.Count; i++)
            {
                var e = snapshot[(int)i];
                if (!writer.IsPlus)
                {
                    if (!writer.TryAdd(e.ViewName, e.Attr.Ino, e.Type, i + 1))
                    {
                        break;
                    }
                    handle.Served = true;
                    continue;
                }
                if (e.IsDot)
                {
                    var dotEntry = new FuseEntry { NodeId = 0, Attr = e.Attr };
                    if (!writer.TryAddPlus(e.ViewName, dotEntry, i + 1))
                    {
                        break;
                    }
                    handle.Served = true;
                    continue;
                }
                var node = _nodes.AddLookup(dir, e.Kind, e.ViewName, e.PlainName, e.FullCipherName, e.Attr.Mode & S_IFMT);
                var entry = EntryFor(node, e.Attr);
                if (!writer.TryAddPlus(e.ViewName, entry, i + 1))
                {
                    // Not sent: the kernel did not take this lookup reference.
                    Forget(node.NodeId, 1);
                    break;
                }
                handle.Served = true;
            }
        }
        return Errno.OK;
    }

    /// <summary>True for a directory on another device than the root when --one-file-system is on (FORMAT.md 12.2):
    /// shown, but listed with only its gocryptfs.diriv.</summary>
    private bool IsForeignDevice(in Libc.StatxBuffer dirStat) => _options.OneFileSystem && dirStat.Dev != _tree.RootDev;

    /// <summary>
    /// Lists the plaintext directory once (getdents, then statx per entry) and builds the view's listing: ".", "..",
    /// the entries in getdents order under their view names (the root config as gocryptfs.conf, excluded entries left
    /// out), then gocryptfs.diriv, then one .name file per long name. The snapshot always carries attributes, so
    /// READDIR and READDIRPLUS requests (the kernel mixes them) read the same list with the same offsets.
    /// </summary>
    private Errno TakeSnapshot(ReverseDirHandle handle)
    {
        var dir = handle.Node;
        var errno = _tree.Stat(dir, out var dirStat);
        if (errno != Errno.OK)
        {
            return errno;
        }
        if ((dirStat.Mode & S_IFMT) != S_IFDIR)
        {
            return Errno.ENOTDIR;
        }
        bool foreign = IsForeignDevice(dirStat);
        var raw = new List<BackingEntry>();
        if (!foreign)
        {
            if (handle.Snapshot is not null || handle.ListingFd is null)
            {
                // A rewind: read the directory afresh.
                var reopened = _tree.OpenDirectoryForListing(dir, out errno);
                if (reopened is null)
                {
                    return errno;
                }
                handle.ListingFd?.Dispose();
                handle.ListingFd = reopened;
            }
            errno = BackingTree.ReadEntries(handle.ListingFd, raw);
            handle.ListingFd.Dispose();
            handle.ListingFd = null;
            if (errno != Errno.OK)
            {
                return errno;
            }
        }

        var list = new List<ReverseListingEntry>(raw.Count + 4);
        var selfAttr = dir.IsRoot ? BaseAttr(dirStat, FuseConstants.RootNodeId) : RealAttr(dirStat);
        list.Add(Dot("."u8, selfAttr));
        var parentAttr = selfAttr;
        if (dir.ViewParent is { } viewParent && AttrOf(viewParent, out var pa) == Errno.OK)
        {
            parentAttr = pa;
        }
        list.Add(Dot(".."u8, parentAttr));

        var longNames = new List<(byte[] Hashed, byte[] Plain, byte[] Full, Libc.StatxBuffer Stat)>();
        if (raw.Count > 0)
        {
            errno = AddRealEntries(dir, raw, list, longNames);
            if (errno != Errno.OK)
            {
                return errno;
            }
        }
        if (dir.IsRoot && _configShown == ConfigShown.External)
        {
            using var configFd = BackingTree.OpenPath(_externalConfigPath!, Libc.OpenFlags.O_PATH, out _);
            if (configFd is not null && Libc.StatxFd(configFd.Fd, out var configStat) == Errno.OK)
            {
                list.Add(new ReverseListingEntry
                {
                    ViewName = NameTransform.ConfFileName.ToArray(),
                    Kind = ReverseNodeKind.Config,
                    PlainName = [],
                    Type = FuseConstants.DirentRegular,
                    Attr = BaseAttr(configStat, _inodes.Map(configStat.Dev, InodeMap.TagReal, configStat.Ino)),
                });
            }
        }
        if (_dirIvFiles)
        {
            list.Add(new ReverseListingEntry
            {
                ViewName = NameTransform.DirIvFileName.ToArray(),
                Kind = ReverseNodeKind.DirIv,
                PlainName = [],
                Type = FuseConstants.DirentRegular,
                Attr = DirIvAttr(dirStat),
            });
        }
        if (longNames.Count > 0)
        {
            var index = new Dictionary<byte[], (byte[] PlainName, byte[] FullCipherName)>(ByteStringComparer.Instance);
            foreach (var (hashed, plain, full, st) in longNames)
            {
                index[hashed] = (plain, full);
                var dotName = new byte[hashed.Length + NameTransform.LongNameSuffix.Length];
                hashed.CopyTo(dotName, 0);
                NameTransform.LongNameSuffix.CopyTo(dotName.AsSpan(hashed.Length));
                list.Add(new ReverseListingEntry
                {
                    ViewName = dotName,
                    Kind = ReverseNodeKind.LongNameFile,
                    PlainName = plain,
                    FullCipherName = full,
                    Type = FuseConstants.DirentRegular,
                    Attr = LongNameAttr(st, full.Length),
                });
            }
            lock (dir)
            {
                dir.LongNames = index;
            }
        }
        handle.Snapshot = list;
        handle.Served = false;
        return Errno.OK;
    }

    private Errno AddRealEntries(ReverseNode dir, List<BackingEntry> raw, List<ReverseListingEntry> list,
        List<(byte[] Hashed, byte[] Plain, byte[] Full, Libc.StatxBuffer Stat)> longNames)
    {
        using var lease = _tree.AcquireDirectory(dir, out var errno);
        if (!lease.IsValid)
        {
            return errno;
        }
        byte[] dirIv = DirIvOf(dir);
        Span<byte> full = stackalloc byte[NameTransform.MaxCipherNameLength];
        Span<byte> visible = stackalloc byte[NameTransform.MaxCipherNameLength];
        foreach (var e in raw)
        {
            bool isConfig = false;
            if (IsReservedRootEntry(dir, e.Name))
            {
                // The in-tree config is listed as gocryptfs.conf, in its getdents position (FORMAT.md 3.1).
                if (_configShown != ConfigShown.InTree || !e.Name.AsSpan().SequenceEqual(NameTransform.ReverseConfFileName))
                {
                    if (!_encryptNames && e.Name.AsSpan().SequenceEqual(NameTransform.ConfFileName))
                    {
                        ReverseLog.PlaintextConfCollision(_log);
                    }
                    continue;
                }
                isConfig = true;
            }
            var statErrno = Libc.StatxName(lease.Fd, e.Name, out var st);
            if (statErrno != Errno.OK)
            {
                // Vanished since getdents: leave it out, as a fresh listing would.
                ReverseLog.EntrySkipped(_log, dir.NodeId, Printable(e.Name), statErrno.ToString());
                continue;
            }
            uint type = FuseConstants.DirentTypeOf(st.Mode);
            if (isConfig)
            {
                list.Add(new ReverseListingEntry
                {
                    ViewName = NameTransform.ConfFileName.ToArray(),
                    Kind = ReverseNodeKind.Config,
                    PlainName = e.Name,
                    Type = type,
                    Attr = BaseAttr(st, _inodes.Map(st.Dev, InodeMap.TagReal, st.Ino)),
                });
                continue;
            }
            if (_exclude is not null && IsExcluded(dir, e.Name, type == Libc.DT_DIR))
            {
                continue;
            }
            bool isLong;
            int fullLength, visibleLength;
            try
            {
                isLong = EncryptEntryName(e.Name, dirIv, full, visible, out fullLength, out visibleLength);
            }
            catch (ArgumentException)
            {
                ReverseLog.EntrySkipped(_log, dir.NodeId, Printable(e.Name), "invalid name");
                continue;
            }
            byte[] viewName = visible[..visibleLength].ToArray();
            byte[]? fullName = isLong ? full[..fullLength].ToArray() : null;
            var attr = RealAttr(st);
            list.Add(new ReverseListingEntry
            {
                ViewName = viewName,
                Kind = ReverseNodeKind.Real,
                PlainName = e.Name,
                FullCipherName = fullName,
                Type = type,
                Attr = attr,
            });
            if (isLong)
            {
                longNames.Add((viewName, e.Name, fullName!, st));
            }
        }
        return Errno.OK;
    }

    private static ReverseListingEntry Dot(ReadOnlySpan<byte> name, in FuseAttr attr) => new()
    {
        ViewName = name.ToArray(),
        Kind = ReverseNodeKind.Real,
        PlainName = [],
        Type = FuseConstants.DirentDirectory,
        Attr = attr,
        IsDot = true,
    };
}
