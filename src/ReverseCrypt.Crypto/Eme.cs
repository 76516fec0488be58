// EME (ECB-Mix-ECB) wide-block encryption, Halevi & Rogaway, with the EME-32 draft's doubling,
// as implemented by github.com/rfjakob/eme (FORMAT.md 2.2). AES-256, 16-byte tweak, 16..2048 bytes.
// STUB: API fixed by the integrator; the implementation is being written.
namespace ReverseCrypt.Crypto;

/// <summary>EME wide-block cipher over AES-256 (no authentication).</summary>
public sealed class Eme : IDisposable
{
    public const int KeySize = 32;
    public const int TweakSize = 16;

    public Eme(ReadOnlySpan<byte> key) => throw new NotImplementedException();

    /// <summary>Encrypts input (a multiple of 16 bytes, 16..2048) into output of the same length.</summary>
    public void Encrypt(ReadOnlySpan<byte> tweak, ReadOnlySpan<byte> input, Span<byte> output) => throw new NotImplementedException();

    /// <summary>Decrypts input (a multiple of 16 bytes, 16..2048) into output of the same length.</summary>
    public void Decrypt(ReadOnlySpan<byte> tweak, ReadOnlySpan<byte> input, Span<byte> output) => throw new NotImplementedException();

    public void Dispose() { }
}
