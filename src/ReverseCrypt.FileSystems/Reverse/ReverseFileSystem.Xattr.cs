// Extended attributes of the view (docs/format.md 10 and 18): every namespace the process can read, names and values
// encrypted, POSIX ACLs passed through, symlinks' own attributes (never followed).
using System.Buffers;
using ReverseCrypt.Format;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

public sealed partial class ReverseFileSystem
{
    /// <summary>Room for "user.gocryptfs." + the base64 of a 256-byte padded name, with slack.</summary>
    private const int CipherXattrNameBuffer = 512;

    public override Errno Listxattr(ulong nodeId, Span<byte> list, out int length)
    {
        length = 0;
        var node = _nodes.Get(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        if (!node.HasXattrs || _xattrs is null)
        {
            return Errno.OK;    // virtual files and the config carry no attributes
        }
        // Linux allows user.* attributes only on regular files and directories (the VFS answers ENODATA / EPERM
        // for others), and every encrypted name is a user.* name: on symlinks and special files only ACL names can
        // be shown; the others are left out with a warning.
        // The node's file type is the one the kernel knows; only a node that is not a regular file or directory (or
        // whose object was replaced meanwhile) needs a stat to decide.
        bool userNamesAllowed = node.IsRoot || node.FileType is S_IFREG or S_IFDIR;
        if (!userNamesAllowed)
        {
            var statErrno = _tree.Stat(node, out var st);
            if (statErrno != Errno.OK)
            {
                return statErrno;
            }
            uint type = st.Mode & S_IFMT;
            userNamesAllowed = type is S_IFREG or S_IFDIR;
        }
        byte[]? rented = null;
        try
        {
            int plainLength = ReadPlainXattrList(node, ref rented, out var errno);
            if (plainLength < 0)
            {
                return errno;
            }
            var plainList = rented.AsSpan(0, plainLength);
            Span<byte> cipherName = stackalloc byte[CipherXattrNameBuffer];
            int total = 0;
            while (!plainList.IsEmpty)
            {
                int nul = plainList.IndexOf((byte)0);
                var plainAttrName = nul < 0 ? plainList : plainList[..nul];
                plainList = nul < 0 ? default : plainList[(nul + 1)..];
                if (plainAttrName.IsEmpty)
                {
                    continue;
                }
                scoped ReadOnlySpan<byte> shown;
                if (_xattrs.IsPassThrough(plainAttrName))
                {
                    shown = plainAttrName;
                }
                else
                {
                    if (!userNamesAllowed)
                    {
                        WarnXattrLeftOut(node, plainAttrName, tooLong: false);
                        continue;
                    }
                    if (plainAttrName.Length > Libc.XattrNameMax)
                    {
                        continue;
                    }
                    int cipherLength = _xattrs.EncryptName(plainAttrName, cipherName);
                    if (cipherLength > Libc.XattrNameMax)
                    {
                        WarnXattrLeftOut(node, plainAttrName, tooLong: true);
                        continue;
                    }
                    shown = cipherName[..cipherLength];
                }
                if (!list.IsEmpty)
                {
                    if (total + shown.Length + 1 > list.Length)
                    {
                        return Errno.ERANGE;
                    }
                    shown.CopyTo(list[total..]);
                    list[total + shown.Length] = 0;
                }
                total += shown.Length + 1;
            }
            length = total;
            return Errno.OK;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public override Errno Getxattr(ulong nodeId, ReadOnlySpan<byte> name, Span<byte> value, out int length)
    {
        length = 0;
        var node = _nodes.Get(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        if (!node.HasXattrs || _xattrs is null)
        {
            return Errno.ENODATA;
        }
        if (_xattrs.IsPassThrough(name))
        {
            // ACLs: the raw value, size probe included.
            int n = _tree.Getxattr(node, name, value, out var aclErrno);
            if (n < 0)
            {
                return NoAttribute(aclErrno);
            }
            length = n;
            return Errno.OK;
        }
        if (!name.StartsWith(Format.XattrTransform.CipherNamePrefix))
        {
            return Errno.ENODATA;
        }
        Span<byte> plainAttrName = stackalloc byte[CipherXattrNameBuffer];
        if (!_xattrs.TryDecryptName(name, plainAttrName, out int plainNameLength)
            || plainNameLength == 0 || plainNameLength > Libc.XattrNameMax)
        {
            return Errno.ENODATA;
        }
        var plainName = plainAttrName[..plainNameLength];
        byte[]? rented = null;
        try
        {
            int plainLength = ReadPlainXattrValue(node, plainName, ref rented, out var errno);
            if (plainLength < 0)
            {
                return NoAttribute(errno);
            }
            if (plainLength == 0)
            {
                return Errno.OK;    // an empty value stays empty (docs/format.md 10)
            }
            int cipherLength = XattrTransform.CipherValueLength(plainLength);
            if (value.IsEmpty)
            {
                length = cipherLength;
                return Errno.OK;
            }
            if (value.Length < cipherLength)
            {
                return Errno.ERANGE;
            }
            Span<byte> linked = stackalloc byte[XattrTransform.LinkedFileNonceInputLength];
            var linkedErrno = LinkedFileNonceInput(node, linked, out bool isLinked);
            if (linkedErrno != Errno.OK)
            {
                return linkedErrno;
            }
            length = _xattrs.EncryptValue(isLinked ? linked : CipherPathOf(node), name, rented.AsSpan(0, plainLength), value);
            return Errno.OK;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>A regular file with more than one link encrypts its values with one nonce input for all its links, made
    /// from its plaintext inode number (docs/format.md 18, <see cref="XattrTransform.LinkedFileNonceInput"/>), which
    /// stays the same across remounts, reboots and a --source-snapshot of the tree; every other node uses its cipher
    /// path. The link count is read now, as rsync reads it with the value.</summary>
    private Errno LinkedFileNonceInput(ReverseNode node, Span<byte> input, out bool isLinked)
    {
        isLinked = false;
        if (node.IsRoot || node.FileType != S_IFREG)
        {
            return Errno.OK;
        }
        var errno = _tree.Stat(node, out var st);
        if (errno != Errno.OK)
        {
            return errno;
        }
        if ((st.Mode & S_IFMT) != S_IFREG || st.Nlink <= 1)
        {
            return Errno.OK;
        }
        XattrTransform.LinkedFileNonceInput(st.Ino, input);
        isLinked = true;
        return Errno.OK;
    }

    /// <summary>First guess of a list's or value's size: most fit, and then one system call is enough.</summary>
    private const int XattrFirstTry = 4096;

    /// <summary>The plaintext name list into <paramref name="rented"/>; -1 with errno on failure. A filesystem
    /// without xattr support gives an empty list.</summary>
    private int ReadPlainXattrList(ReverseNode node, ref byte[]? rented, out Errno errno)
    {
        Rent(ref rented, XattrFirstTry);
        int n = _tree.Listxattr(node, rented, out errno);
        if (n >= 0)
        {
            return n;
        }
        if (errno != Errno.ERANGE)
        {
            return errno is Errno.EOPNOTSUPP ? 0 : -1;
        }
        for (int attempt = 0; attempt < 4; attempt++)
        {
            int size = _tree.Listxattr(node, default, out errno);
            if (size < 0)
            {
                return errno is Errno.EOPNOTSUPP ? 0 : -1;
            }
            if (size == 0)
            {
                errno = Errno.OK;
                return 0;
            }
            Rent(ref rented, size);
            n = _tree.Listxattr(node, rented, out errno);
            if (n >= 0)
            {
                return n;
            }
            if (errno != Errno.ERANGE)
            {
                return -1;
            }
        }
        errno = Errno.EIO;
        return -1;
    }

    /// <summary>The plaintext value into <paramref name="rented"/>; -1 with errno on failure.</summary>
    private int ReadPlainXattrValue(ReverseNode node, ReadOnlySpan<byte> plainName, ref byte[]? rented, out Errno errno)
    {
        Rent(ref rented, XattrFirstTry);
        int n = _tree.Getxattr(node, plainName, rented, out errno);
        if (n >= 0 || errno != Errno.ERANGE)
        {
            return n;
        }
        for (int attempt = 0; attempt < 4; attempt++)
        {
            int size = _tree.Getxattr(node, plainName, default, out errno);
            if (size <= 0)
            {
                return size;
            }
            Rent(ref rented, size);
            n = _tree.Getxattr(node, plainName, rented, out errno);
            if (n >= 0)
            {
                return n;
            }
            if (errno != Errno.ERANGE)
            {
                return -1;
            }
        }
        errno = Errno.EIO;
        return -1;
    }

    private static void Rent(ref byte[]? rented, int size)
    {
        if (rented is not null && rented.Length >= size)
        {
            return;
        }
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        rented = ArrayPool<byte>.Shared.Rent(size);
    }

    /// <summary>"No such attribute" must be ENODATA, never ENOSYS/EOPNOTSUPP (the kernel would remember it).</summary>
    private static Errno NoAttribute(Errno errno) => errno is Errno.EOPNOTSUPP or Errno.ENOSYS ? Errno.ENODATA : errno;

    private void WarnXattrLeftOut(ReverseNode node, ReadOnlySpan<byte> plainAttrName, bool tooLong)
    {
        var hash = new HashCode();
        hash.AddBytes(plainAttrName);
        if (_tree.Stat(node, out var st) == Errno.OK)
        {
            lock (_warnLock)
            {
                if (!_warnedXattr.Add((st.Dev, st.Ino, hash.ToHashCode())))
                {
                    return;
                }
            }
        }
        string path = node.IsRoot ? _tree.RootPath : DisplayPath(node.ViewParent!, node.PlainName);
        if (tooLong)
        {
            ReverseLog.XattrNameTooLong(_log, path, Printable(plainAttrName));
        }
        else
        {
            ReverseLog.XattrOnSpecialFile(_log, path, Printable(plainAttrName));
        }
    }
}
