// Arithmetic in GF(2^128) for the three modes of this assembly, all branch-free on secret data:
// - DoubleBigEndian: "dbl" of RFC 5297 section 2.3 / RFC 4493 subkeys (x * 2 mod x^128 + x^7 + x^2 + x + 1,
//   most significant bit = MSB of byte 0).
// - DoubleLittleEndian: "mul2" of EME (docs/format.md 2.2; byte 0 is the least significant byte).
// - GcmMultiply: the GHASH multiplication of NIST SP 800-38D section 6.3 (reflected bit order, R = 0xe1 || 0^120).
// These helpers assume a little-endian host (x64, arm64), as .NET on Linux does.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ReverseCrypt.Crypto;

internal static class Gf128
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> DoubleBigEndian(Vector128<byte> value)
    {
        unchecked
        {
            ulong high = BinaryPrimitives.ReverseEndianness(value.AsUInt64().GetElement(0));
            ulong low = BinaryPrimitives.ReverseEndianness(value.AsUInt64().GetElement(1));
            ulong reduce = (0 - (high >> 63)) & 0x87;
            high = (high << 1) | (low >> 63);
            low = (low << 1) ^ reduce;
            return Vector128.Create(BinaryPrimitives.ReverseEndianness(high), BinaryPrimitives.ReverseEndianness(low)).AsByte();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> DoubleLittleEndian(Vector128<byte> value)
    {
        unchecked
        {
            ulong low = value.AsUInt64().GetElement(0);
            ulong high = value.AsUInt64().GetElement(1);
            ulong reduce = (0 - (high >> 63)) & 0x87;
            high = (high << 1) | (low >> 63);
            low = (low << 1) ^ reduce;
            return Vector128.Create(low, high).AsByte();
        }
    }

    /// <summary>X * Y in GCM's field (SP 800-38D algorithm 1), constant time.</summary>
    public static Vector128<byte> GcmMultiply(Vector128<byte> x, Vector128<byte> y)
    {
        unchecked
        {
            ulong xHigh = BinaryPrimitives.ReverseEndianness(x.AsUInt64().GetElement(0));
            ulong xLow = BinaryPrimitives.ReverseEndianness(x.AsUInt64().GetElement(1));
            ulong vHigh = BinaryPrimitives.ReverseEndianness(y.AsUInt64().GetElement(0));
            ulong vLow = BinaryPrimitives.ReverseEndianness(y.AsUInt64().GetElement(1));
            ulong zHigh = 0, zLow = 0;
            for (int i = 0; i < 128; i++)
            {
                ulong bit = i < 64 ? (xHigh >> (63 - i)) & 1 : (xLow >> (127 - i)) & 1;
                ulong take = 0 - bit;
                zHigh ^= vHigh & take;
                zLow ^= vLow & take;
                ulong reduce = 0 - (vLow & 1);
                vLow = (vLow >> 1) | (vHigh << 63);
                vHigh = (vHigh >> 1) ^ (reduce & 0xe100000000000000UL);
            }

            return Vector128.Create(BinaryPrimitives.ReverseEndianness(zHigh), BinaryPrimitives.ReverseEndianness(zLow)).AsByte();
        }
    }
}
