// AES-256-GCM (NIST SP 800-38D) accepting any nonce length, in particular the 128-bit nonce gocryptfs
// uses to wrap the master key in its config file (FORMAT.md 2.3): J0 = GHASH(nonce || pad || len).
// STUB: API fixed by the integrator; the implementation is being written.
namespace ReverseCrypt.Crypto;

/// <summary>AES-GCM with arbitrary nonce length and a 16-byte tag. Config-file use only (not a hot path).</summary>
public static class AesGcm16
{
    public const int TagSize = 16;

    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext,
        ReadOnlySpan<byte> associatedData, Span<byte> ciphertext, Span<byte> tag) => throw new NotImplementedException();

    /// <summary>False when the tag does not verify (wrong key, e.g. a wrong password).</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext,
        ReadOnlySpan<byte> tag, ReadOnlySpan<byte> associatedData, Span<byte> plaintext) => throw new NotImplementedException();
}
