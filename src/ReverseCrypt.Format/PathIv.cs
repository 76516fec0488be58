// Reverse-mode path-derived IVs: SHA256(cipherPath || 0x00 || purpose)[0:16] (docs/format.md section 5).
using System.Buffers;
using System.Security.Cryptography;

namespace ReverseCrypt.Format;

/// <summary>Computes the deterministic IVs gocryptfs -reverse derives from cipher paths.</summary>
public static class PathIv
{
    public const int Size = 16;

    private const int StackLimit = 1024;

    /// <summary>SHA256(cipherPath || 0x00 || purpose)[0:16] into iv16. The root's cipher path is empty.</summary>
    public static void Compute(ReadOnlySpan<byte> cipherPath, PathIvPurpose purpose, Span<byte> iv16)
    {
        if (iv16.Length < Size) throw new ArgumentException("The IV buffer must hold 16 bytes.", nameof(iv16));
        var purposeBytes = PurposeString(purpose);
        var total = cipherPath.Length + 1 + purposeBytes.Length;
        byte[]? rented = null;
        Span<byte> input = total <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(total));
        input = input[..total];
        cipherPath.CopyTo(input);
        input[cipherPath.Length] = 0;
        purposeBytes.CopyTo(input[(cipherPath.Length + 1)..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        hash[..Size].CopyTo(iv16);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>The IV of the root directory, PathIV("", DIRIV) = a8f7bac432ddc1cb3dc74e684d6ae48b.</summary>
    public static ReadOnlySpan<byte> RootDirIv =>
        [0xa8, 0xf7, 0xba, 0xc4, 0x32, 0xdd, 0xc1, 0xcb, 0x3d, 0xc7, 0x4e, 0x68, 0x4d, 0x6a, 0xe4, 0x8b];

    /// <summary>The ASCII purpose string hashed after the path and a zero byte.</summary>
    public static ReadOnlySpan<byte> PurposeString(PathIvPurpose purpose) => purpose switch
    {
        PathIvPurpose.DirIv => "DIRIV"u8,
        PathIvPurpose.FileId => "FILEID"u8,
        PathIvPurpose.Block0Iv => "BLOCK0IV"u8,
        PathIvPurpose.SymlinkIv => "SYMLINKIV"u8,
        PathIvPurpose.XattrIv => "XATTRIV"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(purpose)),
    };
}
