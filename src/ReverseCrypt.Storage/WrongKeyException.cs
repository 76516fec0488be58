namespace ReverseCrypt.Storage;

/// <summary>
/// The key (or the format options given with --masterkey) does not fit the tree: no name in its root decrypts and no
/// file content in it authenticates. Nothing of the tree could be read; the CLI treats it like a wrong password.
/// </summary>
public sealed class WrongKeyException(string message) : Exception(message);
