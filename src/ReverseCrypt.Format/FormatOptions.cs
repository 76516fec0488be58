// The format parameters that change the bytes of the encrypted view (docs/format.md sections 3.3, 4, 7).
namespace ReverseCrypt.Format;

/// <summary>Format settings derived from the config feature flags (or from the command line with a raw master key).</summary>
/// <param name="PlaintextNames">Names and symlink targets are not encrypted.</param>
/// <param name="DirIv">Per-directory path-derived IV (else all-zero IV, "deterministic names").</param>
/// <param name="Raw64">Unpadded base64url for names and targets.</param>
/// <param name="LongNameMax">Hashing threshold for encrypted names (62..255; 255 = default).</param>
/// <param name="Hkdf">Keys derived with HKDF (else legacy: name key = MK, content key = SHA-512(MK)).</param>
/// <param name="AesSiv">Contents use AES-SIV-512 (required by reverse mode).</param>
/// <param name="DeterministicNames">No DirIV: all-zero directory IV everywhere.</param>
public sealed record FormatOptions(bool PlaintextNames, bool DirIv, bool Raw64, int LongNameMax, bool Hkdf, bool AesSiv,
    bool DeterministicNames)
{
    /// <summary>What `gocryptfs -init -reverse` writes: AESSIV, HKDF, Raw64, DirIV, EMENames, LongNames, LongNameMax 255.</summary>
    public static FormatOptions ReverseDefaults { get; } = new(PlaintextNames: false, DirIv: true, Raw64: true, LongNameMax: 255,
        Hkdf: true, AesSiv: true, DeterministicNames: false);

    /// <summary>Names are encrypted with a per-directory path IV and every directory has a gocryptfs.diriv.</summary>
    public bool HasDirIvFiles => !PlaintextNames && DirIv && !DeterministicNames;
}
