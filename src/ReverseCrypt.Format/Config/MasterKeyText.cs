// Text form of the master key as gocryptfs prints it at -init (docs/format.md section 3.5): 8 groups of 8 lowercase
// hex digits joined by '-'. Parsing accepts what -masterkey accepts: dashes anywhere; we also ignore whitespace,
// so the two-line form printed by -init and the plain 64 digits printed by gocryptfs-xray both parse.
using System.Security.Cryptography;
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format.Config;

/// <summary>Parses and prints the master key in gocryptfs's grouped hex form.</summary>
public static class MasterKeyText
{
    private const int HexDigits = MasterKey.Size * 2;
    private const int GroupSize = 8;

    /// <summary>64 hex digits (either case); dashes and whitespace are ignored. FormatException otherwise.</summary>
    public static MasterKey Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        Span<byte> key = stackalloc byte[MasterKey.Size];
        try
        {
            var digits = 0;
            for (var i = 0; i < hex.Length; i++)
            {
                var c = hex[i];
                if (c == '-' || char.IsWhiteSpace(c)) continue;
                var v = HexValue(c);
                if (v < 0)
                    throw new FormatException($"master key: invalid character at position {i + 1} (expected hex digits, dashes or spaces)");
                if (digits >= HexDigits)
                    throw new FormatException($"master key: too many hex digits (expected {HexDigits})");
                if (digits % 2 == 0) key[digits / 2] = (byte)(v << 4);
                else key[digits / 2] |= (byte)v;
                digits++;
            }
            if (digits != HexDigits)
                throw new FormatException($"master key: {digits} hex digits, expected {HexDigits}");
            return MasterKey.FromBytes(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>8 groups of 8 lowercase hex digits joined by '-' (71 characters), as gocryptfs -init prints it.</summary>
    public static string Format(MasterKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> bytes = stackalloc byte[MasterKey.Size];
        Span<char> text = stackalloc char[HexDigits + HexDigits / GroupSize - 1];
        try
        {
            key.ExportTo(bytes);
            var o = 0;
            for (var i = 0; i < bytes.Length; i++)
            {
                if (i > 0 && i * 2 % GroupSize == 0) text[o++] = '-';
                text[o++] = "0123456789abcdef"[bytes[i] >> 4];
                text[o++] = "0123456789abcdef"[bytes[i] & 0xf];
            }
            return new string(text);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
            text.Clear();
        }
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
