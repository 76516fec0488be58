using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Forward;

public sealed partial class ForwardFileSystem
{
    public override Errno Listxattr(ulong nodeId, Span<byte> list, out int length)
    {
        length = 0;
        var node = GetNode(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        if (_store is not null)
        {
            return Errno.OK; // SFTP v3 carries no xattrs: a remote tree shows none (README, "Browsing a remote snapshot")
        }
        var errno = AcquireParent(node, out var lease);
        if (errno != Errno.OK)
        {
            return errno;
        }
        var xattrs = new List<CipherXattr>();
        using (lease)
        {
            errno = _tree.ListXattrs(lease.Fd, node.IsRoot ? default : node.CipherName, xattrs);
        }
        if (errno != Errno.OK)
        {
            return errno;
        }
        int total = 0;
        foreach (var xattr in xattrs)
        {
            if (xattr.PlainName is null)
            {
                LogDamage(node.CipherPath, node.PlainPath, $"xattr {BytePath.Display(xattr.CipherName)}: the name does not decrypt");
                continue;
            }
            int needed = xattr.PlainName.Length + 1;
            if (!list.IsEmpty)
            {
                if (total + needed > list.Length)
                {
                    return Errno.ERANGE;
                }
                xattr.PlainName.CopyTo(list[total..]);
                list[total + xattr.PlainName.Length] = 0;
            }
            total += needed;
        }
        length = total;
        return Errno.OK;
    }

    public override Errno Getxattr(ulong nodeId, ReadOnlySpan<byte> name, Span<byte> value, out int length)
    {
        length = 0;
        var node = GetNode(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        Span<byte> cipherAttrName = stackalloc byte[Storage.CipherTree.MaxCipherXattrNameLength];
        int cipherAttrLength = _tree.EncryptXattrName(name, cipherAttrName);
        if (cipherAttrLength < 0 || cipherAttrLength > Libc.XattrNameMax || _store is not null)
        {
            return Errno.ENODATA;
        }
        var errno = AcquireParent(node, out var lease);
        if (errno != Errno.OK)
        {
            return errno;
        }
        var plainValue = System.Buffers.ArrayPool<byte>.Shared.Rent(Libc.XattrSizeMax);
        try
        {
            int plainLength;
            using (lease)
            {
                errno = _tree.ReadXattrValue(lease.Fd, node.IsRoot ? default : node.CipherName, cipherAttrName[..cipherAttrLength],
                    plainValue.AsSpan(0, Libc.XattrSizeMax), out plainLength);
            }
            if (errno == Errno.EINVAL)
            {
                LogDamage(node.CipherPath, node.PlainPath, $"xattr {BytePath.Display(name)}: the value does not authenticate");
                return Errno.EIO;
            }
            if (errno != Errno.OK)
            {
                return errno is Errno.ENODATA or Errno.EOPNOTSUPP ? Errno.ENODATA : errno;
            }
            length = plainLength;
            if (value.IsEmpty)
            {
                return Errno.OK;
            }
            if (plainLength > value.Length)
            {
                length = 0;
                return Errno.ERANGE;
            }
            plainValue.AsSpan(0, plainLength).CopyTo(value);
            return Errno.OK;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plainValue.AsSpan(0, Libc.XattrSizeMax));
            System.Buffers.ArrayPool<byte>.Shared.Return(plainValue);
        }
    }
}
