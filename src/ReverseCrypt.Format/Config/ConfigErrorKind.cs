// Kinds of config-file errors (docs/format.md section 3.2).
namespace ReverseCrypt.Format.Config;

public enum ConfigErrorKind
{
    Missing,
    Unreadable,
    TooLarge,
    InvalidJson,
    UnsupportedVersion,
    UnknownFlag,
    InvalidFlags,
    InvalidScrypt,
    InvalidKey,
}
