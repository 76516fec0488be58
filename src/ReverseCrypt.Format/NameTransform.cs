// File-name encryption: PKCS#7 + EME + base64url, long-name hashing (docs/format.md section 7).
using System.Security.Cryptography;
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format;

/// <summary>
/// Encrypts and decrypts one name component. Names are bytes, never strings. Thread-safe; the hot paths
/// (<see cref="EncryptName"/>, <see cref="TryDecryptName"/>) allocate nothing.
/// </summary>
public sealed class NameTransform
{
    /// <summary>Longest full encrypted name: a 255-byte name pads to 256 bytes = 342 Raw64 / 344 padded characters.</summary>
    public const int MaxCipherNameLength = 344;

    /// <summary>Longest plaintext name (Linux NAME_MAX, in bytes).</summary>
    public const int MaxPlainNameLength = 255;

    /// <summary>"gocryptfs.longname." + 44 characters (padded base64 of a SHA-256).</summary>
    public const int MaxHashedNameLength = 19 + 44;

    private const int BlockSize = 16;
    private const int MaxPaddedLength = 256;

    private readonly Eme? _eme;
    private readonly bool _plaintextNames;
    private readonly bool _zeroDirIv;
    private readonly bool _padded;
    private readonly int _longNameMax;

    public NameTransform(CryptoCore core)
    {
        ArgumentNullException.ThrowIfNull(core);
        var options = core.Options;
        _plaintextNames = options.PlaintextNames;
        _eme = core.NameCipher;
        _zeroDirIv = !options.DirIv || options.DeterministicNames;
        _padded = !options.Raw64;
        _longNameMax = options.LongNameMax is > 0 and < 255 ? options.LongNameMax : 255;
        var shortNameMax = 0;
        while (shortNameMax < MaxPlainNameLength && CipherNameLength(shortNameMax + 1) <= _longNameMax) shortNameMax++;
        ShortNameMax = shortNameMax;
    }

    public static ReadOnlySpan<byte> DirIvFileName => "gocryptfs.diriv"u8;
    public static ReadOnlySpan<byte> ConfFileName => "gocryptfs.conf"u8;
    public static ReadOnlySpan<byte> ReverseConfFileName => ".gocryptfs.reverse.conf"u8;
    public static ReadOnlySpan<byte> LongNamePrefix => "gocryptfs.longname."u8;
    public static ReadOnlySpan<byte> LongNameSuffix => ".name"u8;

    /// <summary>
    /// Plaintext names up to this length are never hashed (175 for the default limit 255), so a long-name lookup can
    /// skip them. The exact bound; with Raw64 it equals gocryptfs's (limit*3/4) - ((limit*3/4) mod 16) - 1, which is too
    /// high for padded (legacy) base64 at some limits (e.g. 86: a 48-byte name is already hashed).
    /// </summary>
    public int ShortNameMax { get; }

    /// <summary>The hashing threshold in effect (LongNameMax, 255 by default).</summary>
    public int LongNameMax => _longNameMax;

    /// <summary>
    /// The name IV of the directory with this cipher path: PathIV(path, DIRIV), or 16 zero bytes without DirIV
    /// (deterministic names) or with PlaintextNames.
    /// </summary>
    public void ComputeDirIv(ReadOnlySpan<byte> cipherDirPath, Span<byte> dirIv16)
    {
        if (_zeroDirIv || _plaintextNames) dirIv16[..PathIv.Size].Clear();
        else PathIv.Compute(cipherDirPath, PathIvPurpose.DirIv, dirIv16);
    }

    /// <summary>Length of the full encrypted name of a plaintext name of this length (before hashing).</summary>
    public int CipherNameLength(int plainNameLength)
    {
        if (_plaintextNames) return plainNameLength;
        var paddedLength = (plainNameLength / BlockSize + 1) * BlockSize;
        return Base64Url.EncodedLength(paddedLength, _padded);
    }

    /// <summary>
    /// Writes the full (unhashed) encrypted name as ASCII into cipherName and returns its length
    /// (at most <see cref="MaxCipherNameLength"/>). With PlaintextNames the name is copied unchanged.
    /// Throws ArgumentException for names Linux cannot produce (empty, over 255 bytes, '/', NUL, "." or "..").
    /// </summary>
    public int EncryptName(ReadOnlySpan<byte> plainName, ReadOnlySpan<byte> dirIv, Span<byte> cipherName)
    {
        if (!IsValidPlainName(plainName))
            throw new ArgumentException("Not a valid file name (1..255 bytes, no '/' or NUL, not . or ..).", nameof(plainName));
        if (_eme is null)
        {
            plainName.CopyTo(cipherName);
            return plainName.Length;
        }
        if (dirIv.Length != PathIv.Size) throw new ArgumentException("The directory IV must be 16 bytes.", nameof(dirIv));
        var paddedLength = (plainName.Length / BlockSize + 1) * BlockSize;
        Span<byte> buffer = stackalloc byte[MaxPaddedLength * 2];
        var padded = buffer[..paddedLength];
        var encrypted = buffer.Slice(MaxPaddedLength, paddedLength);
        plainName.CopyTo(padded);
        padded[plainName.Length..].Fill((byte)(paddedLength - plainName.Length));
        _eme.Encrypt(dirIv, padded, encrypted);
        return Base64Url.Encode(encrypted, cipherName, _padded);
    }

    /// <summary>True when a full encrypted name of this length is listed as gocryptfs.longname.&lt;hash&gt;.</summary>
    public bool IsLongName(int cipherNameLength) => !_plaintextNames && cipherNameLength > _longNameMax;

    /// <summary>
    /// Writes "gocryptfs.longname." + base64url(SHA256(fullCipherName)) (same base64 variant as names) and returns
    /// its length (62 with Raw64, 63 padded).
    /// </summary>
    public int HashLongName(ReadOnlySpan<byte> fullCipherName, Span<byte> hashedName)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(fullCipherName, hash);
        var prefix = LongNamePrefix;
        prefix.CopyTo(hashedName);
        return prefix.Length + Base64Url.Encode(hash, hashedName[prefix.Length..], _padded);
    }

    /// <summary>
    /// Strictly decodes and decrypts a full encrypted name (FORMAT 7.2): base64 of the configured variant without
    /// CR/LF, non-canonical bits or misplaced padding; a non-empty multiple of 16 bytes; valid PKCS#7 padding; and
    /// a valid plaintext name as result. False for anything else. With PlaintextNames the name is checked and copied.
    /// </summary>
    public bool TryDecryptName(ReadOnlySpan<byte> cipherName, ReadOnlySpan<byte> dirIv, Span<byte> plainName, out int plainLength)
    {
        plainLength = 0;
        if (_eme is null)
        {
            if (!IsValidPlainName(cipherName)) return false;
            cipherName.CopyTo(plainName);
            plainLength = cipherName.Length;
            return true;
        }
        if (cipherName.Length is 0 or > MaxCipherNameLength) return false;
        if (dirIv.Length != PathIv.Size) throw new ArgumentException("The directory IV must be 16 bytes.", nameof(dirIv));
        // 512 bytes of stack; anything decoding to more than 256 bytes cannot be a valid name (TryDecode fails).
        Span<byte> buffer = stackalloc byte[MaxPaddedLength * 2];
        var decoded = buffer[..MaxPaddedLength];
        if (!Base64Url.TryDecode(cipherName, decoded, _padded, out var decodedLength)) return false;
        if (decodedLength == 0 || decodedLength % BlockSize != 0) return false;
        var padded = buffer.Slice(MaxPaddedLength, decodedLength);
        _eme.Decrypt(dirIv, decoded[..decodedLength], padded);
        if (!TryUnpad(padded, out var length)) return false;
        var name = padded[..length];
        if (!IsValidPlainName(name)) return false;
        if (plainName.Length < length) throw new ArgumentException("The plain name buffer is too small.", nameof(plainName));
        name.CopyTo(plainName);
        plainLength = length;
        return true;
    }

    /// <summary>"gocryptfs.longname.X" (X non-empty base64url) without the ".name" suffix.</summary>
    public static bool IsLongNameEntry(ReadOnlySpan<byte> name)
        => name.StartsWith(LongNamePrefix) && !name.EndsWith(LongNameSuffix) && IsHashPart(name[LongNamePrefix.Length..]);

    /// <summary>"gocryptfs.longname.X.name" (X non-empty base64url).</summary>
    public static bool IsLongNameDotName(ReadOnlySpan<byte> name)
        => name.StartsWith(LongNamePrefix) && name.EndsWith(LongNameSuffix)
           && name.Length > LongNamePrefix.Length + LongNameSuffix.Length
           && IsHashPart(name[LongNamePrefix.Length..^LongNameSuffix.Length]);

    /// <summary>A name Linux can put into a directory: 1..255 bytes, no '/', no NUL, not "." or "..".</summary>
    public static bool IsValidPlainName(ReadOnlySpan<byte> name)
    {
        if (name.Length is 0 or > MaxPlainNameLength) return false;
        if (name.IndexOfAny((byte)'/', (byte)0) >= 0) return false;
        return !name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8);
    }

    /// <summary>PKCS#7 removal: last byte k in 1..16, k below the total length, the last k bytes all equal k.</summary>
    internal static bool TryUnpad(ReadOnlySpan<byte> padded, out int length)
    {
        length = 0;
        if (padded.Length == 0 || padded.Length % BlockSize != 0) return false;
        int k = padded[^1];
        if (k is 0 or > BlockSize || k >= padded.Length) return false;
        if (padded[^k..].IndexOfAnyExcept((byte)k) >= 0) return false;
        length = padded.Length - k;
        return true;
    }

    private static bool IsHashPart(ReadOnlySpan<byte> part)
    {
        if (part.Length == 0) return false;
        foreach (var c in part)
        {
            var ok = c is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'-' or (byte)'_' or (byte)'=';
            if (!ok) return false;
        }
        return true;
    }
}
