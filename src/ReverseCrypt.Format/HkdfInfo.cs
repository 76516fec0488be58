// HKDF info strings of gocryptfs (docs/format.md sections 3.4 and 4), all in one place.
namespace ReverseCrypt.Format;

/// <summary>The HKDF "info" strings, as UTF-8 bytes.</summary>
public static class HkdfInfo
{
    /// <summary>Name key (EME), 32 bytes.</summary>
    public static ReadOnlySpan<byte> EmeNames => "EME filename encryption"u8;

    /// <summary>Content key (AES-SIV-512), 64 bytes.</summary>
    public static ReadOnlySpan<byte> AesSivContent => "AES-SIV file content encryption"u8;

    /// <summary>Forward-mode GCM content key; also the config-file KEK info (with the scrypt output as IKM).</summary>
    public static ReadOnlySpan<byte> AesGcmContent => "AES-GCM file content encryption"u8;

    /// <summary>The config-file key-encryption key: HKDF(scrypt output, this, 32).</summary>
    public static ReadOnlySpan<byte> ConfigKek => AesGcmContent;

    /// <summary>Forward-mode XChaCha20-Poly1305 content key (not used by reverse mode).</summary>
    public static ReadOnlySpan<byte> XChaCha20Poly1305Content => "XChaCha20-Poly1305 file content encryption"u8;
}
