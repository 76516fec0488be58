// The master key did not unwrap: wrong password (docs/format.md section 3.4).
namespace ReverseCrypt.Format.Config;

/// <summary>The GCM tag of the wrapped master key did not verify with the given password.</summary>
public sealed class WrongPasswordException : Exception
{
    public WrongPasswordException(string message) : base(message) { }
}
