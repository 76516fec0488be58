// Extended attribute name and value encryption (docs/format.md section 10, gocryptfs master after 2.6.1):
// names "user.gocryptfs." + base64url(EME(nameKey, "xattr_name_iv_xx", PKCS7(name))), values
// Seal(PathIV(cipherPath || 0x00 || cipherAttrName, XATTRIV), value, AD = ZERO(8)); ACL names pass through.
using System.Buffers;
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format;

/// <summary>Encrypts xattr names (EME, fixed tweak) and values (AES-SIV, path-derived nonce). Thread-safe.</summary>
public sealed class XattrTransform
{
    /// <summary>Longest plaintext xattr name the kernel allows (XATTR_NAME_MAX).</summary>
    public const int MaxPlainAttrNameLength = 255;

    /// <summary>"user.gocryptfs." + base64 of 256 bytes (padded variant).</summary>
    public const int MaxCipherAttrNameLength = 15 + NameTransform.MaxCipherNameLength;

    /// <summary>nonce (16) + SIV tag (16) added to every non-empty value.</summary>
    public const int ValueOverhead = 32;

    private const int BlockSize = 16;
    private const int MaxPaddedLength = 256;
    private const int StackLimit = 1024;

    private readonly Eme _eme;
    private readonly AesSiv _siv;
    private readonly bool _padded;

    public XattrTransform(CryptoCore core)
    {
        ArgumentNullException.ThrowIfNull(core);
        _eme = core.XattrNameCipher;
        _siv = core.ContentSiv;
        _padded = !core.Options.Raw64;
    }

    /// <summary>"user.gocryptfs."</summary>
    public static ReadOnlySpan<byte> CipherNamePrefix => "user.gocryptfs."u8;

    /// <summary>The fixed EME tweak of xattr names, ASCII "xattr_name_iv_xx".</summary>
    public static ReadOnlySpan<byte> NameTweak => "xattr_name_iv_xx"u8;

    /// <summary>True for system.posix_acl_access and system.posix_acl_default (passed through unchanged).</summary>
    public bool IsPassThrough(ReadOnlySpan<byte> name)
        => name.SequenceEqual("system.posix_acl_access"u8) || name.SequenceEqual("system.posix_acl_default"u8);

    /// <summary>Length of the encrypted name for a plaintext xattr name of this length.</summary>
    public int CipherNameLength(int plainAttrNameLength)
        => CipherNamePrefix.Length + Base64Url.EncodedLength((plainAttrNameLength / BlockSize + 1) * BlockSize, _padded);

    /// <summary>
    /// Writes "user.gocryptfs." + base64url(EME(...)) and returns its length. The whole name, namespace included, is
    /// encrypted. Throws ArgumentException for an empty name, a NUL byte or more than 255 bytes.
    /// </summary>
    public int EncryptName(ReadOnlySpan<byte> plainAttrName, Span<byte> cipherAttrName)
    {
        if (plainAttrName.IsEmpty || plainAttrName.Length > MaxPlainAttrNameLength || plainAttrName.Contains((byte)0))
            throw new ArgumentException("Not a valid xattr name (1..255 bytes, no NUL).", nameof(plainAttrName));
        var paddedLength = (plainAttrName.Length / BlockSize + 1) * BlockSize;
        Span<byte> buffer = stackalloc byte[MaxPaddedLength * 2];
        var padded = buffer[..paddedLength];
        var encrypted = buffer.Slice(MaxPaddedLength, paddedLength);
        plainAttrName.CopyTo(padded);
        padded[plainAttrName.Length..].Fill((byte)(paddedLength - plainAttrName.Length));
        _eme.Encrypt(NameTweak, padded, encrypted);
        var prefix = CipherNamePrefix;
        prefix.CopyTo(cipherAttrName);
        return prefix.Length + Base64Url.Encode(encrypted, cipherAttrName[prefix.Length..], _padded);
    }

    /// <summary>Decrypts a "user.gocryptfs.*" name (strict base64, padding, non-empty, no NUL). False otherwise.</summary>
    public bool TryDecryptName(ReadOnlySpan<byte> cipherAttrName, Span<byte> plainAttrName, out int plainLength)
    {
        plainLength = 0;
        if (!cipherAttrName.StartsWith(CipherNamePrefix) || cipherAttrName.Length > MaxCipherAttrNameLength) return false;
        var encoded = cipherAttrName[CipherNamePrefix.Length..];
        Span<byte> buffer = stackalloc byte[MaxPaddedLength * 2];
        var decoded = buffer[..MaxPaddedLength];
        if (!Base64Url.TryDecode(encoded, decoded, _padded, out var decodedLength)) return false;
        if (decodedLength == 0 || decodedLength % BlockSize != 0) return false;
        var padded = buffer.Slice(MaxPaddedLength, decodedLength);
        _eme.Decrypt(NameTweak, decoded[..decodedLength], padded);
        if (!NameTransform.TryUnpad(padded, out var length)) return false;
        var name = padded[..length];
        if (name.IsEmpty || name.Contains((byte)0)) return false;
        if (plainAttrName.Length < length) throw new ArgumentException("The name buffer is too small.", nameof(plainAttrName));
        name.CopyTo(plainAttrName);
        plainLength = length;
        return true;
    }

    /// <summary>Encrypted length of a value: 0 for empty, else 32 + plain length.</summary>
    public static int CipherValueLength(int plainValueLength) => plainValueLength == 0 ? 0 : ValueOverhead + plainValueLength;

    /// <summary>
    /// Seals plainValue with nonce PathIV(cipherPathOfNode || 0x00 || cipherAttrName, XATTRIV) (root = empty path)
    /// and AD = ZERO(8); returns the length written (0 for an empty value, else 32 + plain length). For a regular file
    /// with more than one link, <paramref name="cipherPathOfNode"/> is <see cref="LinkedFileNonceInput"/> instead.
    /// </summary>
    public int EncryptValue(ReadOnlySpan<byte> cipherPathOfNode, ReadOnlySpan<byte> cipherAttrName, ReadOnlySpan<byte> plainValue,
        Span<byte> cipherValue)
    {
        if (plainValue.IsEmpty) return 0;
        var length = ValueOverhead + plainValue.Length;
        if (cipherValue.Length < length) throw new ArgumentException("The value buffer is too small.", nameof(cipherValue));
        Span<byte> nonce = stackalloc byte[PathIv.Size];
        ComputeValueNonce(cipherPathOfNode, cipherAttrName, nonce);
        nonce.CopyTo(cipherValue);
        _siv.Encrypt(ZeroAd, nonce, plainValue, cipherValue[PathIv.Size..length]);
        return length;
    }

    /// <summary>Length of <see cref="LinkedFileNonceInput"/>.</summary>
    public const int LinkedFileNonceInputLength = 9;

    /// <summary>
    /// What stands for the cipher path in the value nonce of a regular file with more than one link
    /// (docs/format.md 18): 0x00 followed by the big-endian plaintext inode number. Every link of the file then shows
    /// the same value, as one inode must: with a per-path nonce, rsync -H set one link's value on the inode the group
    /// shares, which an older hard-link snapshot also holds. A cipher path never contains a zero byte, so this input
    /// never equals one. Forward readers take the nonce stored in the value, whatever it was derived from.
    /// </summary>
    public static void LinkedFileNonceInput(ulong plainInode, Span<byte> input)
    {
        if (input.Length < LinkedFileNonceInputLength) throw new ArgumentException("The buffer must hold 9 bytes.", nameof(input));
        input[0] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(input[1..], plainInode);
    }

    /// <summary>Opens an encrypted value (empty stays empty). False if too short, all-zero nonce, or not authentic.</summary>
    public bool TryDecryptValue(ReadOnlySpan<byte> cipherValue, Span<byte> plainValue, out int plainLength)
    {
        plainLength = 0;
        if (cipherValue.IsEmpty) return true;
        if (cipherValue.Length < ValueOverhead) return false;
        var nonce = cipherValue[..PathIv.Size];
        if (nonce.IndexOfAnyExcept((byte)0) < 0) return false;
        var length = cipherValue.Length - ValueOverhead;
        if (plainValue.Length < length) throw new ArgumentException("The value buffer is too small.", nameof(plainValue));
        if (!_siv.TryDecrypt(ZeroAd, nonce, cipherValue[PathIv.Size..], plainValue[..length])) return false;
        plainLength = length;
        return true;
    }

    internal static void ComputeValueNonce(ReadOnlySpan<byte> cipherPathOfNode, ReadOnlySpan<byte> cipherAttrName, Span<byte> nonce)
    {
        var total = cipherPathOfNode.Length + 1 + cipherAttrName.Length;
        byte[]? rented = null;
        Span<byte> input = total <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(total));
        input = input[..total];
        cipherPathOfNode.CopyTo(input);
        input[cipherPathOfNode.Length] = 0;
        cipherAttrName.CopyTo(input[(cipherPathOfNode.Length + 1)..]);
        PathIv.Compute(input, PathIvPurpose.XattrIv, nonce);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>AD = BE64(0), no file ID.</summary>
    private static ReadOnlySpan<byte> ZeroAd => [0, 0, 0, 0, 0, 0, 0, 0];
}
