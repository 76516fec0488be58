// Key derivation from the master key (docs/format.md section 4), incl. the legacy non-HKDF layout
// (name key = MK, content key = SHA-512(MK)) of reverse filesystems created by gocryptfs 1.1/1.2.
using System.Security.Cryptography;
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format;

/// <summary>The derived ciphers of one filesystem. Owns and disposes its keys.</summary>
public sealed class CryptoCore : IDisposable
{
    public const int NameKeySize = 32;
    public const int ContentKeySize = 64;

    private readonly Eme _emeCipher;

    private CryptoCore(FormatOptions options, Eme emeCipher, AesSiv contentSiv)
    {
        Options = options;
        _emeCipher = emeCipher;
        ContentSiv = contentSiv;
    }

    public FormatOptions Options { get; }

    /// <summary>EME name cipher; null with PlaintextNames.</summary>
    public Eme? NameCipher => Options.PlaintextNames ? null : _emeCipher;

    /// <summary>AES-SIV-512 for contents, symlink targets and xattr values.</summary>
    public AesSiv ContentSiv { get; }

    /// <summary>
    /// The EME cipher under the name key, also with PlaintextNames: gocryptfs encrypts xattr names with it
    /// in every mode (docs/format.md section 10).
    /// </summary>
    internal Eme XattrNameCipher => _emeCipher;

    /// <summary>Derives the name and content keys from the master key per the options (HKDF or legacy).</summary>
    public static CryptoCore Create(MasterKey key, FormatOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.AesSiv)
            throw new ArgumentException("Only AES-SIV content encryption is supported (reverse mode requires AESSIV).", nameof(options));
        if (options.LongNameMax is < 62 or > 255)
            throw new ArgumentOutOfRangeException(nameof(options), options.LongNameMax, "LongNameMax must be 62..255.");

        Span<byte> nameKey = stackalloc byte[NameKeySize];
        Span<byte> contentKey = stackalloc byte[ContentKeySize];
        try
        {
            if (options.Hkdf)
            {
                key.Derive(HkdfInfo.EmeNames, nameKey);
                key.Derive(HkdfInfo.AesSivContent, contentKey);
            }
            else
            {
                key.ExportTo(nameKey);
                SHA512.HashData(nameKey, contentKey);
            }
            Eme? eme = null;
            try
            {
                eme = new Eme(nameKey);
                var siv = new AesSiv(contentKey);
                var core = new CryptoCore(options, eme, siv);
                eme = null;
                return core;
            }
            finally
            {
                eme?.Dispose();
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(nameKey);
            CryptographicOperations.ZeroMemory(contentKey);
        }
    }

    public void Dispose()
    {
        _emeCipher.Dispose();
        ContentSiv.Dispose();
    }
}
