// Symlink target encryption (docs/format.md section 9): Seal(PathIV(cipherPath + "/" + lastComponent, SYMLINKIV),
// target, AD = ZERO(8)), base64url. With PlaintextNames the target is shown unchanged.
using System.Buffers;
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format;

/// <summary>Encrypts symlink targets with a path-derived nonce; PlaintextNames copies them. Thread-safe.</summary>
public sealed class SymlinkTransform
{
    /// <summary>nonce (16) + SIV tag (16).</summary>
    public const int Overhead = 32;

    private const int StackLimit = 512;

    private readonly AesSiv _siv;
    private readonly bool _plaintextNames;
    private readonly bool _padded;

    public SymlinkTransform(CryptoCore core)
    {
        ArgumentNullException.ThrowIfNull(core);
        _siv = core.ContentSiv;
        _plaintextNames = core.Options.PlaintextNames;
        _padded = !core.Options.Raw64;
    }

    /// <summary>Length of the encrypted target string (= st_size of the link in the view) for a plain target length.</summary>
    public int EncryptedTargetLength(int plainTargetLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainTargetLength);
        if (_plaintextNames || plainTargetLength == 0) return plainTargetLength;
        return Base64Url.EncodedLength(Overhead + plainTargetLength, _padded);
    }

    /// <summary>
    /// Encrypts plainTarget for the link whose cipher path (relative to the view root, no leading '/') is
    /// cipherPathOfLink; writes the base64url text into cipherTarget and returns its length. An empty target
    /// stays empty.
    /// </summary>
    public int EncryptTarget(ReadOnlySpan<byte> plainTarget, ReadOnlySpan<byte> cipherPathOfLink, Span<byte> cipherTarget)
    {
        if (_plaintextNames || plainTarget.IsEmpty)
        {
            plainTarget.CopyTo(cipherTarget);
            return plainTarget.Length;
        }
        if (cipherPathOfLink.IsEmpty) throw new ArgumentException("A symlink cannot be the root.", nameof(cipherPathOfLink));
        var outLength = EncryptedTargetLength(plainTarget.Length);
        if (cipherTarget.Length < outLength) throw new ArgumentException("The target buffer is too small.", nameof(cipherTarget));

        Span<byte> nonce = stackalloc byte[PathIv.Size];
        ComputeNonce(cipherPathOfLink, nonce);

        var sealedLength = Overhead + plainTarget.Length;
        byte[]? rented = null;
        Span<byte> sealedBytes = sealedLength <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(sealedLength));
        sealedBytes = sealedBytes[..sealedLength];
        nonce.CopyTo(sealedBytes);
        _siv.Encrypt(ZeroAd, nonce, plainTarget, sealedBytes[PathIv.Size..]);
        var written = Base64Url.Encode(sealedBytes, cipherTarget, _padded);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        return written;
    }

    /// <summary>
    /// Decodes and opens an encrypted target (FORMAT 13 step 7). False on bad encoding, a too-short or all-zero
    /// nonce, or authentication failure. With PlaintextNames the target is copied.
    /// </summary>
    public bool TryDecryptTarget(ReadOnlySpan<byte> cipherTarget, Span<byte> plainTarget, out int plainLength)
    {
        plainLength = 0;
        if (_plaintextNames || cipherTarget.IsEmpty)
        {
            cipherTarget.CopyTo(plainTarget);
            plainLength = cipherTarget.Length;
            return true;
        }
        var maxDecoded = Base64Url.MaxDecodedLength(cipherTarget.Length);
        byte[]? rented = null;
        Span<byte> decoded = maxDecoded <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(maxDecoded));
        try
        {
            if (!Base64Url.TryDecode(cipherTarget, decoded, _padded, out var decodedLength)) return false;
            if (decodedLength < Overhead) return false;
            var nonce = decoded[..PathIv.Size];
            if (nonce.IndexOfAnyExcept((byte)0) < 0) return false;
            var length = decodedLength - Overhead;
            if (plainTarget.Length < length) throw new ArgumentException("The target buffer is too small.", nameof(plainTarget));
            if (!_siv.TryDecrypt(ZeroAd, nonce, decoded[PathIv.Size..decodedLength], plainTarget[..length])) return false;
            plainLength = length;
            return true;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>PathIV(cipherPathOfLink + "/" + its last component, SYMLINKIV): the last component appears twice.</summary>
    internal static void ComputeNonce(ReadOnlySpan<byte> cipherPathOfLink, Span<byte> nonce)
    {
        var slash = cipherPathOfLink.LastIndexOf((byte)'/');
        var lastComponent = cipherPathOfLink[(slash + 1)..];
        var total = cipherPathOfLink.Length + 1 + lastComponent.Length;
        byte[]? rented = null;
        Span<byte> input = total <= StackLimit * 2 ? stackalloc byte[StackLimit * 2] : (rented = ArrayPool<byte>.Shared.Rent(total));
        input = input[..total];
        cipherPathOfLink.CopyTo(input);
        input[cipherPathOfLink.Length] = (byte)'/';
        lastComponent.CopyTo(input[(cipherPathOfLink.Length + 1)..]);
        PathIv.Compute(input, PathIvPurpose.SymlinkIv, nonce);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>AD = BE64(0), no file ID.</summary>
    private static ReadOnlySpan<byte> ZeroAd => [0, 0, 0, 0, 0, 0, 0, 0];
}
