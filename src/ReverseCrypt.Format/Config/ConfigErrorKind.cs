// Kinds of config-file errors (FORMAT.md section 3.2).
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
