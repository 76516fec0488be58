namespace ReverseCrypt.Storage;

/// <summary>One record of getdents64 on a cipher directory: the raw name bytes, d_type and d_ino.</summary>
public readonly record struct RawDirEntry(byte[] Name, byte Type, ulong Ino);
