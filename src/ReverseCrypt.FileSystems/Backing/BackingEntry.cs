namespace ReverseCrypt.FileSystems.Backing;

/// <summary>One entry of a backing directory as getdents64 returned it ("." and ".." left out).</summary>
/// <param name="Name">The entry's name bytes.</param>
/// <param name="Type">d_type (DT_*; DT_UNKNOWN on filesystems that do not fill it).</param>
/// <param name="Ino">d_ino.</param>
public readonly record struct BackingEntry(byte[] Name, byte Type, ulong Ino);
