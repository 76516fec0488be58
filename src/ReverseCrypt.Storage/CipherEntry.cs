namespace ReverseCrypt.Storage;

/// <summary>
/// One object of an encrypted directory whose name decrypted: the name as it appears in the cipher directory
/// (hashed for long names), its plaintext name, and the d_type / d_ino from getdents (d_type may be 0 = unknown).
/// </summary>
/// <param name="CipherName">The visible entry name (e.g. "gocryptfs.longname.…" for long names).</param>
/// <param name="PlainName">The decrypted name (bytes).</param>
/// <param name="Type">d_type (DT_*), 0 when the filesystem does not report it.</param>
/// <param name="Ino">d_ino of the cipher entry.</param>
public sealed record CipherEntry(byte[] CipherName, byte[] PlainName, byte Type, ulong Ino);
