// HKDF-SHA256 (RFC 5869, no salt) and scrypt (RFC 7914), both through NSec.Cryptography.
// STUB: API fixed by the integrator; the implementation is being written.
namespace ReverseCrypt.Crypto;

/// <summary>Key derivation functions used by the gocryptfs format.</summary>
public static class Kdf
{
    /// <summary>HKDF-SHA256 with an empty salt (= 32 zero bytes), filling output.</summary>
    public static void HkdfSha256(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> info, Span<byte> output) => throw new NotImplementedException();

    /// <summary>scrypt(password, salt, N, r, p) filling output (gocryptfs: 32 bytes).</summary>
    public static void Scrypt(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, long n, int r, int p, Span<byte> output) => throw new NotImplementedException();
}
