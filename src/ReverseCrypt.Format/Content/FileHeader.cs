// The 18-byte file header of gocryptfs contents (docs/format.md 8.1, 13 step 6): BE16(version = 2) || fileID(16).
using System.Buffers.Binary;

namespace ReverseCrypt.Format.Content;

/// <summary>Writes and checks the content header.</summary>
public static class FileHeader
{
    public const int Size = ContentLayout.HeaderSize;
    public const ushort CurrentVersion = 2;

    /// <summary>Writes 00 02 || fileId16 into the first 18 bytes of header18.</summary>
    public static void Write(ReadOnlySpan<byte> fileId16, Span<byte> header18)
    {
        if (fileId16.Length != ContentLayout.FileIdSize)
        {
            throw new ArgumentException($"A file ID is {ContentLayout.FileIdSize} bytes.", nameof(fileId16));
        }

        if (header18.Length < Size)
        {
            throw new ArgumentException($"The header buffer must hold {Size} bytes.", nameof(header18));
        }

        BinaryPrimitives.WriteUInt16BigEndian(header18, CurrentVersion);
        fileId16.CopyTo(header18[2..]);
    }

    /// <summary>True when the first 18 bytes are version 2 with a non-zero file ID (copied to fileId16).</summary>
    public static bool TryParse(ReadOnlySpan<byte> header18, Span<byte> fileId16)
    {
        if (fileId16.Length < ContentLayout.FileIdSize)
        {
            throw new ArgumentException($"The file ID buffer must hold {ContentLayout.FileIdSize} bytes.", nameof(fileId16));
        }

        if (header18.Length < Size || BinaryPrimitives.ReadUInt16BigEndian(header18) != CurrentVersion)
        {
            return false;
        }

        var fileId = header18.Slice(2, ContentLayout.FileIdSize);
        if (!fileId.ContainsAnyExcept((byte)0))
        {
            return false;
        }

        fileId.CopyTo(fileId16);
        return true;
    }
}
