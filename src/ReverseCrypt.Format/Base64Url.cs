// URL-safe base64 (RFC 4648 section 5) for names, long-name hashes and symlink targets, with and without
// '=' padding (docs/format.md section 2.5). Decoding is strict: only the alphabet, canonical trailing bits, and
// padding exactly where the variant requires it.
namespace ReverseCrypt.Format;

/// <summary>Allocation-free base64url encode/decode on ASCII byte spans.</summary>
internal static class Base64Url
{
    private static ReadOnlySpan<byte> Alphabet => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8;

    /// <summary>Encoded length of n bytes: ceil(4n/3) unpadded, 4*ceil(n/3) padded.</summary>
    public static int EncodedLength(int byteCount, bool padded)
        => padded ? (byteCount + 2) / 3 * 4 : (byteCount * 4 + 2) / 3;

    /// <summary>Decoded length of an unpadded encoding of this length (exact for valid input; an upper bound if padded).</summary>
    public static int MaxDecodedLength(int encodedLength) => encodedLength / 4 * 3 + encodedLength % 4 * 3 / 4;

    public static int Encode(ReadOnlySpan<byte> data, Span<byte> destination, bool padded)
    {
        var length = EncodedLength(data.Length, padded);
        if (destination.Length < length) throw new ArgumentException("Destination too small for base64.", nameof(destination));
        var alphabet = Alphabet;
        var o = 0;
        var i = 0;
        for (; i + 3 <= data.Length; i += 3)
        {
            var v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
            destination[o++] = alphabet[(v >> 18) & 63];
            destination[o++] = alphabet[(v >> 12) & 63];
            destination[o++] = alphabet[(v >> 6) & 63];
            destination[o++] = alphabet[v & 63];
        }
        var rest = data.Length - i;
        if (rest == 1)
        {
            var v = data[i] << 16;
            destination[o++] = alphabet[(v >> 18) & 63];
            destination[o++] = alphabet[(v >> 12) & 63];
            if (padded)
            {
                destination[o++] = (byte)'=';
                destination[o++] = (byte)'=';
            }
        }
        else if (rest == 2)
        {
            var v = (data[i] << 16) | (data[i + 1] << 8);
            destination[o++] = alphabet[(v >> 18) & 63];
            destination[o++] = alphabet[(v >> 12) & 63];
            destination[o++] = alphabet[(v >> 6) & 63];
            if (padded) destination[o++] = (byte)'=';
        }
        return o;
    }

    /// <summary>
    /// Strict decode. Unpadded: no '=' at all, length mod 4 != 1. Padded: length a multiple of 4, padding only at
    /// the end and exactly as needed. Always: only alphabet characters (no CR/LF or other whitespace), unused
    /// trailing bits zero (one canonical encoding per byte string).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, Span<byte> destination, bool padded, out int written)
    {
        written = 0;
        if (padded)
        {
            if (encoded.Length % 4 != 0) return false;
            var pad = 0;
            if (encoded.Length >= 1 && encoded[^1] == '=') pad++;
            if (encoded.Length >= 2 && encoded[^2] == '=') pad++;
            encoded = encoded[..^pad];
        }
        if (encoded.Length % 4 == 1) return false;
        var needed = MaxDecodedLength(encoded.Length);
        if (destination.Length < needed) return false;
        var o = 0;
        var i = 0;
        for (; i + 4 <= encoded.Length; i += 4)
        {
            int a = Value(encoded[i]), b = Value(encoded[i + 1]), c = Value(encoded[i + 2]), d = Value(encoded[i + 3]);
            if ((a | b | c | d) < 0) return false;
            var v = (a << 18) | (b << 12) | (c << 6) | d;
            destination[o++] = (byte)((v >> 16) & 0xff);
            destination[o++] = (byte)((v >> 8) & 0xff);
            destination[o++] = (byte)(v & 0xff);
        }
        var rest = encoded.Length - i;
        if (rest == 2)
        {
            int a = Value(encoded[i]), b = Value(encoded[i + 1]);
            if ((a | b) < 0 || (b & 0x0f) != 0) return false;
            destination[o++] = (byte)(((a << 2) | (b >> 4)) & 0xff);
        }
        else if (rest == 3)
        {
            int a = Value(encoded[i]), b = Value(encoded[i + 1]), c = Value(encoded[i + 2]);
            if ((a | b | c) < 0 || (c & 0x03) != 0) return false;
            var v = (a << 18) | (b << 12) | (c << 6);
            destination[o++] = (byte)((v >> 16) & 0xff);
            destination[o++] = (byte)((v >> 8) & 0xff);
        }
        written = o;
        return true;
    }

    private static int Value(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
        (byte)'-' => 62,
        (byte)'_' => 63,
        _ => -1,
    };
}
