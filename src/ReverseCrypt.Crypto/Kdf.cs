// HKDF-SHA256 (RFC 5869, no salt = 32 zero bytes, docs/format.md 2.4 and 4) and scrypt (RFC 7914, docs/format.md 3.4),
// both through NSec.Cryptography (libsodium).
// NSec limits: HKDF output at most 255 * 32 bytes and a non-empty IKM; scrypt needs a salt of exactly 32 bytes
// (gocryptfs writes 32 and only checks a minimum of 32, so a longer salt is rejected here with a clear error),
// N a power of two, and r, p within libsodium's ranges.
using NSec.Cryptography;

namespace ReverseCrypt.Crypto;

/// <summary>Key derivation functions used by the gocryptfs format.</summary>
public static class Kdf
{
    /// <summary>The only scrypt salt length NSec accepts (and the one gocryptfs writes).</summary>
    public const int ScryptSaltSize = 32;

    /// <summary>HKDF-SHA256 with an empty salt (= 32 zero bytes), filling output.</summary>
    public static void HkdfSha256(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (ikm.IsEmpty)
        {
            throw new ArgumentException("HKDF needs non-empty input keying material.", nameof(ikm));
        }

        if (output.Length is 0 or > 255 * 32)
        {
            throw new ArgumentException("HKDF-SHA256 output must be 1 to 8160 bytes.", nameof(output));
        }

        KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(ikm, ReadOnlySpan<byte>.Empty, info, output);
    }

    /// <summary>scrypt(password, salt, N, r, p) filling output (gocryptfs: 32 bytes).</summary>
    /// <exception cref="ArgumentException">The salt is not 32 bytes, or N/r/p are outside what libsodium supports
    /// (N must be a power of two greater than 1).</exception>
    public static void Scrypt(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, long n, int r, int p, Span<byte> output)
    {
        if (salt.Length != ScryptSaltSize)
        {
            throw new ArgumentException(
                $"scrypt salt is {salt.Length} bytes; only {ScryptSaltSize}-byte salts are supported (as gocryptfs writes them).", nameof(salt));
        }

        if (n < 2 || (n & (n - 1)) != 0)
        {
            throw new ArgumentException($"scrypt N = {n} is not a power of two greater than 1.", nameof(n));
        }

        if (r < 1 || p < 1)
        {
            throw new ArgumentException($"scrypt r = {r} and p = {p} must be at least 1.");
        }

        if (output.IsEmpty)
        {
            throw new ArgumentException("scrypt output must not be empty.", nameof(output));
        }

        PasswordBasedKeyDerivationAlgorithm algorithm;
        try
        {
            algorithm = PasswordBasedKeyDerivationAlgorithm.Scrypt(new ScryptParameters { Cost = n, BlockSize = r, Parallelization = p });
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"scrypt parameters N = {n}, r = {r}, p = {p} are outside the supported range.", e);
        }

        algorithm.DeriveBytes(password, salt, output);
    }
}
