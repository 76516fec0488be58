// Extended attributes in an encrypted tree (docs/format.md 10 and 13 step 8): names "user.gocryptfs.*" are decrypted
// with the fixed tweak, values are opened with AD = ZERO(8); the POSIX ACLs pass through; other names are not ours.
using System.Buffers;
using ReverseCrypt.Format;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

public sealed partial class CipherTree
{
    /// <summary>Longest name <see cref="EncryptXattrName"/> writes ("user.gocryptfs." + a padded 256-byte name).</summary>
    public const int MaxCipherXattrNameLength = XattrTransform.MaxCipherAttrNameLength;

    /// <summary>Largest cipher value: a plaintext value of XATTR_SIZE_MAX bytes plus nonce and tag.</summary>
    public const int MaxCipherXattrValue = Libc.XattrSizeMax;

    /// <summary>
    /// Lists the xattrs of <paramref name="cipherName"/> in <paramref name="dirFd"/> (of the directory itself when
    /// the name is empty), never following a symlink. Names of ours are decrypted (PlainName null when that fails);
    /// ACLs pass through; any other name is left out. Returns OK or the errno of listxattr.
    /// </summary>
    public Errno ListXattrs(SafeFd dirFd, ReadOnlySpan<byte> cipherName, List<CipherXattr> result)
    {
        // The listing reaches the object through /proc/self/fd/N, so the number is held for the call.
        using var lease = new FdLease(dirFd);
        return ListXattrs(lease.Fd, cipherName, result);
    }

    /// <inheritdoc cref="ListXattrs(SafeFd, ReadOnlySpan{byte}, List{CipherXattr})"/>
    /// <remarks>Raw descriptor: for a directory a lease keeps open (the forward view).</remarks>
    public Errno ListXattrs(int dirFd, ReadOnlySpan<byte> cipherName, List<CipherXattr> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        byte[] list = ArrayPool<byte>.Shared.Rent(Libc.XattrSizeMax);
        try
        {
            int length = Libc.ListxattrAt(dirFd, cipherName, list.AsSpan(0, Libc.XattrSizeMax), out var errno);
            if (length < 0)
            {
                return errno == Errno.EOPNOTSUPP ? Errno.OK : errno;
            }
            Span<byte> plainName = stackalloc byte[XattrTransform.MaxPlainAttrNameLength + 1];
            var remaining = list.AsSpan(0, length);
            while (!remaining.IsEmpty)
            {
                int nul = remaining.IndexOf((byte)0);
                var name = nul < 0 ? remaining : remaining[..nul];
                remaining = nul < 0 ? default : remaining[(nul + 1)..];
                if (name.IsEmpty)
                {
                    continue;
                }
                if (Xattrs.IsPassThrough(name))
                {
                    var copy = name.ToArray();
                    result.Add(new CipherXattr(copy, copy));
                }
                else if (name.StartsWith(XattrTransform.CipherNamePrefix))
                {
                    bool ok = Xattrs.TryDecryptName(name, plainName, out int plainLength)
                              && !Xattrs.IsPassThrough(plainName[..plainLength]);
                    result.Add(new CipherXattr(name.ToArray(), ok ? plainName[..plainLength].ToArray() : null));
                }
            }
            return Errno.OK;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(list);
        }
    }

    /// <summary>
    /// Reads the value of xattr <paramref name="cipherAttrName"/> of <paramref name="cipherName"/> (the directory
    /// itself when empty) and decrypts it into <paramref name="plainValue"/> (at least
    /// <see cref="Libc.XattrSizeMax"/> bytes); ACL values are copied unchanged. Returns OK; EINVAL when the value
    /// does not authenticate; ENODATA when it does not exist; or another errno.
    /// </summary>
    public Errno ReadXattrValue(SafeFd dirFd, ReadOnlySpan<byte> cipherName, ReadOnlySpan<byte> cipherAttrName,
        Span<byte> plainValue, out int plainLength)
    {
        using var lease = new FdLease(dirFd);
        return ReadXattrValue(lease.Fd, cipherName, cipherAttrName, plainValue, out plainLength);
    }

    /// <inheritdoc cref="ReadXattrValue(SafeFd, ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, out int)"/>
    /// <remarks>Raw descriptor: for a directory a lease keeps open (the forward view).</remarks>
    public Errno ReadXattrValue(int dirFd, ReadOnlySpan<byte> cipherName, ReadOnlySpan<byte> cipherAttrName, Span<byte> plainValue,
        out int plainLength)
    {
        plainLength = 0;
        byte[] cipherValue = ArrayPool<byte>.Shared.Rent(MaxCipherXattrValue);
        try
        {
            int length = Libc.GetxattrAt(dirFd, cipherName, cipherAttrName, cipherValue.AsSpan(0, MaxCipherXattrValue), out var errno);
            if (length < 0)
            {
                return errno == Errno.ERANGE ? Errno.EINVAL : errno;
            }
            var value = cipherValue.AsSpan(0, length);
            if (Xattrs.IsPassThrough(cipherAttrName))
            {
                if (plainValue.Length < length)
                {
                    return Errno.ERANGE;
                }
                value.CopyTo(plainValue);
                plainLength = length;
                return Errno.OK;
            }
            if (length > 0 && plainValue.Length < length - XattrTransform.ValueOverhead)
            {
                return Errno.ERANGE;
            }
            if (!Xattrs.TryDecryptValue(value, plainValue, out plainLength))
            {
                plainLength = 0;
                return Errno.EINVAL;
            }
            return Errno.OK;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(cipherValue);
        }
    }

    /// <summary>The cipher name of the plaintext xattr name <paramref name="plainAttrName"/> (ACLs unchanged).
    /// Returns the length, or -1 for a name that cannot exist (empty, NUL, too long).</summary>
    public int EncryptXattrName(ReadOnlySpan<byte> plainAttrName, Span<byte> cipherAttrName)
    {
        if (plainAttrName.IsEmpty || plainAttrName.Length > XattrTransform.MaxPlainAttrNameLength || plainAttrName.Contains((byte)0))
        {
            return -1;
        }
        if (Xattrs.IsPassThrough(plainAttrName))
        {
            plainAttrName.CopyTo(cipherAttrName);
            return plainAttrName.Length;
        }
        return Xattrs.EncryptName(plainAttrName, cipherAttrName);
    }
}
