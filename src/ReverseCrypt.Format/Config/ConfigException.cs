// Errors reading or validating a gocryptfs config file (docs/format.md section 3.2).
namespace ReverseCrypt.Format.Config;

/// <summary>A config file that cannot be used. The message is one line naming the file and the problem.</summary>
public class ConfigException : Exception
{
    public ConfigException(ConfigErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    public ConfigErrorKind Kind { get; }
}
