// Directory listings (docs/format.md 11.4 with 3.1, 6, 7.5, 12 and 18: "." and ".." are listed).
using ReverseCrypt.FileSystems.Backing;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

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
        PrefetchNextSibling(node);
        if (TakePrefetched(node) is { } prepared)
        {
            fileHandle = _dirs.Add(prepared);
            return Errno.OK;
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
        fileHandle = _dirs.Add(new OpenDirectory(node, listing));
        return Errno.OK;
    }

    public override Errno Readdir(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) =>
        ReaddirCore(fileHandle, offset, ref writer);

    public override Errno Readdirplus(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) =>
        ReaddirCore(fileHandle, offset, ref writer);

    public override Errno Releasedir(ulong nodeId, ulong fileHandle, int flags)
    {
        Discard(_dirs.Remove(fileHandle));
        return Errno.OK;
    }

    /// <summary>View entries computed per step while a request waits for them.</summary>
    private const int ListingStep = 32;

    /// <summary>View entries computed per step by the work after a reply (the lock is released between steps).</summary>
    private const int ListingAheadStep = 32;

    /// <summary>The work after a reply stops this many entries ahead of the kernel (bounds the memory and the time
    /// of a huge directory's listing that nobody reads to the end).</summary>
    private const int ListingAheadLimit = 2048;

    /// <summary>1 while a reader thread computes a listing ahead (one at a time: the other thread keeps reading).</summary>
    private int _listingAhead;

    private static readonly Action<object?> s_listAhead = static state =>
    {
        var (fs, handle) = ((ReverseFileSystem, OpenDirectory))state!;
        fs.ListAhead(handle);
    };

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
        bool more;
        lock (handle)
        {
            if (handle.Released)
            {
                return Errno.EBADF;
            }
            if (!handle.Started || (offset == 0 && handle.Served))
            {
                var errno = StartListing(handle);
                if (errno != Errno.OK)
                {
                    ReverseLog.ListingFailed(_log, handle.Node.NodeId, errno.ToString());
                    return errno;
                }
            }
            var dir = handle.Node;
            long i = offset;
            for (; ; i++)
            {
                while (i >= handle.Count && !handle.Complete)
                {
                    var errno = ExtendListing(handle, ListingStep);
                    if (errno != Errno.OK)
                    {
                        ReverseLog.ListingFailed(_log, handle.Node.NodeId, errno.ToString());
                        return writer.Count > 0 ? Errno.OK : errno;
                    }
                }
                if (i >= handle.Count)
                {
                    if (i == offset && writer.IsPlus)
                    {
                        // The kernel has the whole listing: a walk opens one of its directories next.
                        PrefetchFirstChild(handle);
                    }
                    break;
                }
                ref var e = ref handle[(int)i];
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
                if (FuseDirectoryWriter.EntrySize(e.ViewName.Length, plus: true) > writer.Remaining)
                {
                    break;
                }
                ulong nodeId = _nodes.AddLookup(dir, e.Kind, e.PlainName, e.Attr.Mode & S_IFMT, ReportedState.Of(e.Kind, e.Attr, e.Birth));
                var attr = e.Attr;
                if (e.Kind == ReverseNodeKind.Real && ShowPinnedSize(nodeId, ref attr))
                {
                    _nodes.NoteReported(nodeId, ReportedState.FromAttr(attr, e.Birth));
                }
                var entry = EntryFor(nodeId, attr);
                if (!writer.TryAddPlus(e.ViewName, entry, i + 1))
                {
                    // Not sent: the kernel did not take this lookup reference.
                    Forget(nodeId, 1);
                    break;
                }
                handle.Served = true;
                if (e.Type == FuseConstants.DirentDirectory && e.Kind == ReverseNodeKind.Real)
                {
                    handle.ServedDirectories?.Add(nodeId, e.ViewName);
                }
            }
            handle.NextOffset = i;
            more = !handle.Complete;
        }
        if (more && Interlocked.CompareExchange(ref _listingAhead, 1, 0) == 0)
        {
            // While the kernel takes in this reply, compute the next entries on this thread.
            FuseRequestContext.RunAfterReply(s_listAhead, (this, handle));
        }
        return Errno.OK;
    }

    /// <summary>After a reply: computes the next entries of the listing in steps (requests and RELEASEDIR take the
    /// handle's lock between steps), until it is complete or <see cref="ListingAheadLimit"/> entries ahead.</summary>
    private void ListAhead(OpenDirectory handle)
    {
        try
        {
            ListAheadSteps(handle);
        }
        finally
        {
            Volatile.Write(ref _listingAhead, 0);
        }
    }

    private void ListAheadSteps(OpenDirectory handle)
    {
        while (true)
        {
            lock (handle)
            {
                if (handle.Abandoned)
                {
                    handle.Dispose();
                    return;
                }
                if (handle.Complete || handle.Released || handle.Count - handle.NextOffset >= ListingAheadLimit
                    || ExtendListing(handle, ListingAheadStep) != Errno.OK)
                {
                    return;
                }
            }
        }
    }

    /// <summary>True for a directory on another device than the root when --one-file-system is on (docs/format.md 12.2):
    /// shown, but listed with only its gocryptfs.diriv.</summary>
    private bool IsForeignDevice(in Libc.StatxBuffer dirStat) => _options.OneFileSystem && dirStat.Dev != _tree.RootDev;

    /// <summary>
    /// Starts the listing of the plaintext directory (getdents of all names; a rewind reads the directory afresh) with
    /// "." and "..". The view's listing is ".", "..", the entries in getdents order under their view names (the root
    /// config as gocryptfs.conf, excluded entries left out), then gocryptfs.diriv, then one .name file per long name.
    /// Entries always carry attributes, so READDIR and READDIRPLUS requests (the kernel mixes them) read the same list
    /// with the same offsets. Caller holds the handle's lock.
    /// </summary>
    private Errno StartListing(OpenDirectory handle)
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
        var raw = new List<BackingEntry>();
        if (!IsForeignDevice(dirStat))
        {
            if (handle.Started || handle.ListingFd is null)
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

        handle.Restart(raw.Count + 4);
        handle.Raw = raw;
        handle.ServedDirectories = new ServedDirectoryOrder();
        dir.ServedDirectories = handle.ServedDirectories;
        handle.DirStat = dirStat;
        var selfAttr = dir.IsRoot ? FuseMapping.FromStatx(dirStat, FuseConstants.RootNodeId) : RealAttr(dirStat);
        handle.Add(Dot("."u8, selfAttr));
        var parentAttr = selfAttr;
        if (dir.ViewParent is { } viewParent && AttrOf(viewParent, out var pa) == Errno.OK)
        {
            parentAttr = pa;
        }
        handle.Add(Dot(".."u8, parentAttr));
        return Errno.OK;
    }

    /// <summary>Turns up to <paramref name="count"/> more plaintext entries into view entries; after the last one,
    /// adds the config (when outside the tree), the diriv and the .name files. Caller holds the handle's lock.</summary>
    private Errno ExtendListing(OpenDirectory handle, int count)
    {
        var dir = handle.Node;
        var raw = handle.Raw;
        if (raw is not null && handle.NextRaw < raw.Count)
        {
            int end = Math.Min(raw.Count, handle.NextRaw + count);
            var errno = AddRealEntries(handle, raw, handle.NextRaw, end);
            if (errno != Errno.OK)
            {
                return errno;
            }
            handle.NextRaw = end;
            if (end < raw.Count)
            {
                return Errno.OK;
            }
        }
        handle.Raw = null;

        if (dir.IsRoot && _configShown == ConfigShown.External && ConfigNode.TryExternalListingEntry(this, out var config))
        {
            handle.Add(config);
        }
        if (_dirIvFiles)
        {
            handle.Add(DirIvNode.ListingEntry(this, handle.DirStat));
        }
        if (handle.LongNames is { Count: > 0 } longNames)
        {
            var index = new Dictionary<byte[], (byte[] PlainName, byte[] FullCipherName)>(ByteArrayComparer.Instance);
            foreach (var (hashed, plain, full, st) in longNames)
            {
                index[hashed] = (plain, full);
                handle.Add(LongNameFileNode.ListingEntry(this, hashed, plain, full, st));
            }
            lock (dir)
            {
                dir.LongNames = index;
            }
        }
        handle.LongNames = null;
        handle.Complete = true;
        return Errno.OK;
    }

    private Errno AddRealEntries(OpenDirectory handle, List<BackingEntry> raw, int start, int end)
    {
        var dir = handle.Node;
        using var lease = _tree.AcquireDirectory(dir, out var errno);
        if (!lease.IsValid)
        {
            return errno;
        }
        byte[] dirIv = DirIvOf(dir);
        Span<byte> full = stackalloc byte[NameTransform.MaxCipherNameLength];
        Span<byte> visible = stackalloc byte[NameTransform.MaxCipherNameLength];
        for (int i = start; i < end; i++)
        {
            var e = raw[i];
            bool isConfig = false;
            if (IsReservedRootEntry(dir, e.Name))
            {
                // The in-tree config is listed as gocryptfs.conf, in its getdents position (docs/format.md 3.1).
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
                handle.Add(ConfigNode.InTreeListingEntry(this, e.Name, type, st));
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
            handle.Add(new ReverseListingEntry
            {
                ViewName = viewName,
                Kind = ReverseNodeKind.Real,
                PlainName = e.Name,
                FullCipherName = fullName,
                Type = type,
                Attr = attr,
                Birth = ReportedState.BirthOf(st),
            });
            if (isLong)
            {
                (handle.LongNames ??= []).Add((viewName, e.Name, fullName!, st));
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
