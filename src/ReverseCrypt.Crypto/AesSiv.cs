// AES-SIV (RFC 5297, "Synthetic Initialization Vector Authenticated Encryption Using AES")
// with AES-256 (64-byte key: K1 = key[0:32] for S2V/CMAC, K2 = key[32:64] for CTR).
// gocryptfs uses it as an AEAD with the associated-data vector [AD, nonce]
// (FORMAT.md 2.1; jacobsa/crypto siv).
// STUB: API fixed by the integrator; the implementation is being written.
namespace ReverseCrypt.Crypto;

/// <summary>AES-SIV-512 (RFC 5297) with a vector of associated-data strings.</summary>
public sealed class AesSiv : IDisposable
{
    public const int KeySize = 64;
    public const int TagSize = 16;

    public AesSiv(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"AES-SIV needs a {KeySize}-byte key.", nameof(key));
        throw new NotImplementedException();
    }

    /// <summary>output = V (16 bytes) || C; output.Length must be TagSize + plaintext.Length.</summary>
    public void Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> output, params ReadOnlySpan<byte[]> associatedData)
        => throw new NotImplementedException();

    /// <summary>input = V || C; plaintext.Length must be input.Length - TagSize. False on authentication failure.</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> input, Span<byte> plaintext, params ReadOnlySpan<byte[]> associatedData)
        => throw new NotImplementedException();

    /// <summary>Fast path for exactly two associated-data strings (gocryptfs: [AD, nonce]).</summary>
    public void Encrypt(ReadOnlySpan<byte> ad1, ReadOnlySpan<byte> ad2, ReadOnlySpan<byte> plaintext, Span<byte> output)
        => throw new NotImplementedException();

    /// <summary>Fast path for exactly two associated-data strings. False on authentication failure.</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> ad1, ReadOnlySpan<byte> ad2, ReadOnlySpan<byte> input, Span<byte> plaintext)
        => throw new NotImplementedException();

    public void Dispose() { }
}
