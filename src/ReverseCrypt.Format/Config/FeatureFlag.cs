// The feature flags of gocryptfs 2.x config files (docs/format.md section 3.3).
namespace ReverseCrypt.Format.Config;

/// <summary>Feature flag names, exactly as they appear in the JSON.</summary>
public static class FeatureFlag
{
    public const string PlaintextNames = "PlaintextNames";
    public const string DirIV = "DirIV";
    public const string EMENames = "EMENames";
    public const string GCMIV128 = "GCMIV128";
    public const string LongNames = "LongNames";
    public const string LongNameMax = "LongNameMax";
    public const string AESSIV = "AESSIV";
    public const string Raw64 = "Raw64";
    public const string HKDF = "HKDF";
    public const string FIDO2 = "FIDO2";
    public const string XChaCha20Poly1305 = "XChaCha20Poly1305";

    /// <summary>Every flag gocryptfs 2.x knows; any other flag makes a config unusable.</summary>
    public static IReadOnlyList<string> Known { get; } =
        [PlaintextNames, DirIV, EMENames, GCMIV128, LongNames, LongNameMax, AESSIV, Raw64, HKDF, FIDO2, XChaCha20Poly1305];

    /// <summary>Case-sensitive, like gocryptfs.</summary>
    public static bool IsKnown(string flag) => Known.Contains(flag, StringComparer.Ordinal);
}
