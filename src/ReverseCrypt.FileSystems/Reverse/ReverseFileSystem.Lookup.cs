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

        errno = Resolve(parent, name, out var found);
        if (found is null)
        {
            ReverseLog.LookupFailed(_log, Printable(name), parentNodeId, errno.ToString());
            return errno;
        }
        errno = found.GetAttr(this, out var attr, out var st);
        if (errno != Errno.OK)
        {
            return errno;
        }
        if (found.FollowsExcludes && IsExcluded(parent, found.PlainName, (st.Mode & S_IFMT) == S_IFDIR))
        {
            return Errno.EPERM;
        }
        var kind = found.Kind;
        ulong nodeId = _nodes.AddLookup(parent, kind, found.PlainName, attr.Mode & S_IFMT, ReportedState.Of(kind, attr, ReportedState.BirthOf(st)));
        if (kind == ReverseNodeKind.Real && ShowPinnedSize(nodeId, ref attr))
        {
            _nodes.NoteReported(nodeId, ReportedState.FromAttr(attr, ReportedState.BirthOf(st)));
        }
        entry = EntryFor(nodeId, attr);
        return Errno.OK;
    }

    public override void Forget(ulong nodeId, ulong nlookup) => _nodes.Forget(nodeId, nlookup);

    /// <summary>Which object a view name in <paramref name="parent"/> stands for (no stat yet): a node of its type,
    /// not yet in the table (id 0), or null with the error. The order of the checks is the lookup's rules.</summary>
    private Errno Resolve(ReverseNode parent, ReadOnlySpan<byte> name, out ReverseNode? found)
    {
        found = null;
        if (DirIvNode.IsShownAs(this, name))
        {
            found = new DirIvNode(0, -1, parent);
            return Errno.OK;
        }
        if (_options.OneFileSystem && !parent.IsRoot)
        {
            var statErrno = _tree.Stat(parent, out var parentStat);
            if (statErrno != Errno.OK)
            {
                return statErrno;
            }
            if (parentStat.Dev != _tree.RootDev)
            {
                return Errno.ENOENT;
            }
        }
        found = ConfigNode.Resolve(this, parent, name);
        if (found is not null)
        {
            return Errno.OK;
        }
        if (_names is null)
        {
            if (IsReservedRootEntry(parent, name))
            {
                return Errno.ENOENT;
            }
            found = new RealNode(0, -1, parent, name.ToArray(), 0);
            return Errno.OK;
        }
        byte[] plainName;
        byte[]? fullCipherName;
        Errno errno;
        if (LongNameFileNode.TryParse(name, out var hashedName))
        {
            errno = FindLongName(parent, hashedName, out plainName, out fullCipherName);
            if (errno == Errno.OK)
            {
                found = new LongNameFileNode(0, -1, parent, plainName) { FullCipherNameCache = fullCipherName };
            }
            return errno;
        }
        if (NameTransform.IsLongNameEntry(name))
        {
            errno = FindLongName(parent, name, out plainName, out fullCipherName);
            if (errno == Errno.OK)
            {
                found = new RealNode(0, -1, parent, plainName, 0) { FullCipherNameCache = fullCipherName };
            }
            return errno;
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
        found = new RealNode(0, -1, parent, plain[..plainLength].ToArray(), 0);
        return Errno.OK;
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
