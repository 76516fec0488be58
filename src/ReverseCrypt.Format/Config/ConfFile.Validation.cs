// Validation of a loaded config, mirroring gocryptfs 2.x (docs/format.md section 3.2) plus what ReverseCrypt needs
// (exactly 32-byte salt and scrypt key, a wrapped key of the right size, sane scrypt upper bounds).
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format.Config;

public sealed partial class ConfFile
{
    private void Validate()
    {
        if (Version != CurrentVersion)
            throw Error(ConfigErrorKind.UnsupportedVersion, $"unsupported on-disk format version {Version} (only {CurrentVersion} is supported)");
        ValidateScrypt();
        foreach (var flag in _featureFlags)
        {
            if (!FeatureFlag.IsKnown(flag)) throw Error(ConfigErrorKind.UnknownFlag, $"unknown feature flag {GoString(flag)}");
        }
        ValidateContentFlags();
        ValidateNameFlags();
        var expectedKeyLength = NonceSize + MasterKey.Size + TagSize;
        if (_encryptedKey.Length != expectedKeyLength)
        {
            throw Error(ConfigErrorKind.InvalidKey,
                $"EncryptedKey is {_encryptedKey.Length} bytes, expected {expectedKeyLength} ({NonceSize}-byte nonce, 32-byte key, 16-byte tag)");
        }
    }

    private void ValidateScrypt()
    {
        const long minN = 1L << MinScryptLogN, maxN = 1L << MaxScryptLogN;
        if (ScryptN < minN) throw Error(ConfigErrorKind.InvalidScrypt, $"scrypt N={ScryptN} is below the minimum {minN}");
        if ((ScryptN & (ScryptN - 1)) != 0) throw Error(ConfigErrorKind.InvalidScrypt, $"scrypt N={ScryptN} is not a power of two");
        if (ScryptN > maxN) throw Error(ConfigErrorKind.InvalidScrypt, $"scrypt N={ScryptN} is above the maximum {maxN} (2^{MaxScryptLogN})");
        if (ScryptR < 8) throw Error(ConfigErrorKind.InvalidScrypt, $"scrypt R={ScryptR} is below the minimum 8");
        if (ScryptP < 1) throw Error(ConfigErrorKind.InvalidScrypt, $"scrypt P={ScryptP} is below the minimum 1");
        if ((long)ScryptR * ScryptP >= 1L << 30)
            throw Error(ConfigErrorKind.InvalidScrypt, $"scrypt R*P={(long)ScryptR * ScryptP} is too large (RFC 7914 requires below 2^30)");
        if (_salt.Length < SaltSize)
            throw Error(ConfigErrorKind.InvalidScrypt, $"scrypt salt is {_salt.Length} bytes, the minimum is {SaltSize}");
        if (_salt.Length > SaltSize)
            throw Error(ConfigErrorKind.InvalidScrypt, $"scrypt salt is {_salt.Length} bytes; only {SaltSize}-byte salts (what gocryptfs writes) are supported");
        if (KeyLen != ScryptKeyLength)
            throw Error(ConfigErrorKind.InvalidScrypt, $"scrypt KeyLen={KeyLen}, must be {ScryptKeyLength}");
    }

    private void ValidateContentFlags()
    {
        bool aesSiv = HasFlag(FeatureFlag.AESSIV), xChaCha = HasFlag(FeatureFlag.XChaCha20Poly1305), gcmIv128 = HasFlag(FeatureFlag.GCMIV128);
        if (aesSiv && xChaCha) throw Error(ConfigErrorKind.InvalidFlags, "feature flags AESSIV and XChaCha20Poly1305 exclude each other");
        if (aesSiv && !gcmIv128) throw Error(ConfigErrorKind.InvalidFlags, "feature flag AESSIV requires GCMIV128");
        if (xChaCha && gcmIv128) throw Error(ConfigErrorKind.InvalidFlags, "feature flag XChaCha20Poly1305 conflicts with GCMIV128");
        if (xChaCha && !HasFlag(FeatureFlag.HKDF)) throw Error(ConfigErrorKind.InvalidFlags, "feature flag XChaCha20Poly1305 requires HKDF");
        if (!aesSiv && !xChaCha && !gcmIv128) throw Error(ConfigErrorKind.InvalidFlags, "AES-GCM (no AESSIV/XChaCha20Poly1305 flag) requires GCMIV128");
    }

    private void ValidateNameFlags()
    {
        if (HasFlag(FeatureFlag.PlaintextNames))
        {
            foreach (var conflicting in (string[])[FeatureFlag.EMENames, FeatureFlag.DirIV, FeatureFlag.LongNames, FeatureFlag.Raw64, FeatureFlag.LongNameMax])
            {
                if (HasFlag(conflicting))
                    throw Error(ConfigErrorKind.InvalidFlags, $"feature flag PlaintextNames conflicts with {conflicting}");
            }
        }
        var flag = HasFlag(FeatureFlag.LongNameMax);
        if (LongNameMax != 0 && !flag)
            throw Error(ConfigErrorKind.InvalidFlags, $"LongNameMax={LongNameMax} but the LongNameMax feature flag is not set");
        if (LongNameMax == 0 && flag)
            throw Error(ConfigErrorKind.InvalidFlags, "the LongNameMax feature flag is set but LongNameMax is 0 or missing");
        if (flag && LongNameMax is < 62 or > 254)
            throw Error(ConfigErrorKind.InvalidFlags, $"LongNameMax={LongNameMax} is outside 62..254");
    }
}
