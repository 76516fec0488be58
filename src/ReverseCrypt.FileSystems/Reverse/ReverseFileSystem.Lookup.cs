// Lookup of a view name (docs/format.md 11.5, with 3.1, 6, 7.2, 7.5, 12.1, 12.2 and 18).
using ReverseCrypt.FileSystems.Backing;
using ReverseCrypt.Format;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Reverse;

public sealed partial class ReverseFileSystem
{
    public override Errno Lookup(ulong parentNodeId, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        entry = default;
        var parent = DirectoryNode(parentNodeId, out var errno);
        if (parent is null)
        {
            return errno;
        }
        if (name.Length > Libc.NameMax)
        {
            return Errno.ENAMETOOLONG;
        }
        if (!Libc.IsValidName(name))
        {
            return Errno.ENOENT;
        }

        errno = Resolve(parent, name, out var kind, out var plainName, out var fullCipherName);
        if (errno != Errno.OK)
        {
            ReverseLog.LookupFailed(_log, Printable(name), parentNodeId, errno.ToString());
            return errno;
        }
        errno = AttrOfResolved(parent, kind, plainName, fullCipherName, out var attr, out var st);
        if (errno != Errno.OK)
        {
            return errno;
        }
        if (kind is ReverseNodeKind.Real or ReverseNodeKind.LongNameFile
            && IsExcluded(parent, plainName, (st.Mode & S_IFMT) == S_IFDIR))
        {
            return Errno.EPERM;
        }
        ulong nodeId = _nodes.AddLookup(parent, kind, plainName, attr.Mode & S_IFMT, ReportedState.Of(kind, attr, ReportedState.BirthOf(st)));
        if (kind == ReverseNodeKind.Real && ShowPinnedSize(nodeId, ref attr))
        {
            _nodes.NoteReported(nodeId, ReportedState.FromAttr(attr, ReportedState.BirthOf(st)));
        }
        entry = EntryFor(nodeId, attr);
        return Errno.OK;
    }

    public override void Forget(ulong nodeId, ulong nlookup) => _nodes.Forget(nodeId, nlookup);

    /// <summary>Which object a view name in <paramref name="parent"/> stands for (no stat yet).</summary>
    private Errno Resolve(ReverseNode parent, ReadOnlySpan<byte> name, out ReverseNodeKind kind, out byte[] plainName,
        out byte[]? fullCipherName)
    {
        kind = ReverseNodeKind.Real;
        plainName = [];
        fullCipherName = null;

        if (_dirIvFiles && name.SequenceEqual(NameTransform.DirIvFileName))
        {
            kind = ReverseNodeKind.DirIv;
            return Errno.OK;
        }
        if (_options.OneFileSystem && !parent.IsRoot)
        {
            var errno = _tree.Stat(parent, out var parentStat);
            if (errno != Errno.OK)
            {
                return errno;
            }
            if (parentStat.Dev != _tree.RootDev)
            {
                return Errno.ENOENT;
            }
        }
        if (parent.IsRoot && _configShown != ConfigShown.None && name.SequenceEqual(NameTransform.ConfFileName))
        {
            kind = ReverseNodeKind.Config;
            plainName = _configShown == ConfigShown.InTree ? NameTransform.ReverseConfFileName.ToArray() : [];
            return Errno.OK;
        }
        if (_names is null)
        {
            if (IsReservedRootEntry(parent, name))
            {
                return Errno.ENOENT;
            }
            plainName = name.ToArray();
            return Errno.OK;
        }
        if (NameTransform.IsLongNameDotName(name))
        {
            kind = ReverseNodeKind.LongNameFile;
            return FindLongName(parent, name[..^NameTransform.LongNameSuffix.Length], out plainName, out fullCipherName);
        }
        if (NameTransform.IsLongNameEntry(name))
        {
            return FindLongName(parent, name, out plainName, out fullCipherName);
        }
        Span<byte> plain = stackalloc byte[NameTransform.MaxCipherNameLength];
        if (!_names.TryDecryptName(name, DirIvOf(parent), plain, out int plainLength)
            || !Libc.IsValidName(plain[..plainLength]))
        {
            return Errno.ENOENT;
        }
        if (IsReservedRootEntry(parent, plain[..plainLength]))
        {
            return Errno.ENOENT;
        }
        plainName = plain[..plainLength].ToArray();
        return Errno.OK;
    }

    /// <summary>Stats what a resolved name stands for and builds its view attributes.</summary>
    private Errno AttrOfResolved(ReverseNode parent, ReverseNodeKind kind, byte[] plainName, byte[]? fullCipherName,
        out FuseAttr attr, out Libc.StatxBuffer st)
    {
        attr = default;
        Errno errno;
        switch (kind)
        {
            case ReverseNodeKind.Real:
                errno = _tree.StatChild(parent, plainName, out st);
                if (errno == Errno.OK)
                {
                    attr = RealAttr(st);
                }
                return errno;
            case ReverseNodeKind.DirIv:
                errno = _tree.Stat(parent, out st);
                if (errno == Errno.OK)
                {
                    attr = DirIvAttr(st);
                }
                return errno;
            case ReverseNodeKind.LongNameFile:
                errno = _tree.StatChild(parent, plainName, out st);
                if (errno == Errno.OK)
                {
                    attr = LongNameAttr(st, fullCipherName!.Length);
                }
                return errno;
            case ReverseNodeKind.Config:
                if (_externalConfigPath is null)
                {
                    errno = _tree.StatChild(parent, plainName, out st);
                }
                else
                {
                    using var fd = BackingTree.OpenPath(_externalConfigPath, Libc.OpenFlags.O_PATH, out errno);
                    st = default;
                    if (fd is not null)
                    {
                        errno = Libc.StatxFd(fd.Fd, out st);
                    }
                }
                if (errno == Errno.OK)
                {
                    attr = FuseMapping.FromStatx(st, _inodes.Map(st.Dev, InodeMap.TagReal, st.Ino));
                }
                return errno;
            default:
                st = default;
                return Errno.EIO;
        }
    }

    /// <summary>
    /// Finds the plaintext entry of <paramref name="dir"/> whose hashed long name is <paramref name="hashedName"/>
    /// (docs/format.md 7.5). Uses the directory's long-name index; on a miss, rescans the plaintext directory.
    /// </summary>
    private Errno FindLongName(ReverseNode dir, ReadOnlySpan<byte> hashedName, out byte[] plainName, out byte[]? fullCipherName)
    {
        plainName = [];
        fullCipherName = null;
        lock (dir)
        {
            if (dir.LongNames is { } index
                && index.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(hashedName, out var hit))
            {
                (plainName, fullCipherName) = hit;
                return Errno.OK;
            }
        }
        using var listing = _tree.OpenDirectoryForListing(dir, out var errno);
        if (listing is null)
        {
            return errno;
        }
        var entries = new List<BackingEntry>();
        errno = BackingTree.ReadEntries(listing, entries);
        if (errno != Errno.OK)
        {
            return errno;
        }
        var fresh = new Dictionary<byte[], (byte[] PlainName, byte[] FullCipherName)>(ByteArrayComparer.Instance);
        byte[] dirIv = DirIvOf(dir);
        Span<byte> full = stackalloc byte[NameTransform.MaxCipherNameLength];
        Span<byte> visible = stackalloc byte[NameTransform.MaxCipherNameLength];
        foreach (var e in entries)
        {
            if (e.Name.Length <= _names!.ShortNameMax || IsReservedRootEntry(dir, e.Name))
            {
                continue;
            }
            if (EncryptEntryName(e.Name, dirIv, full, visible, out int fullLength, out int visibleLength))
            {
                fresh[visible[..visibleLength].ToArray()] = (e.Name, full[..fullLength].ToArray());
            }
        }
        lock (dir)
        {
            dir.LongNames = fresh;
        }
        if (fresh.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(hashedName, out var found))
        {
            (plainName, fullCipherName) = found;
            return Errno.OK;
        }
        return Errno.ENOENT;
    }
}
