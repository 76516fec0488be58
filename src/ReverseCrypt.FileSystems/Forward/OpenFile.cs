using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Forward;

/// <summary>An open plaintext file: the open cipher file behind it.</summary>
internal sealed class OpenFile(ForwardNode node, CipherFile file) : IDisposable
{
    public ForwardNode Node { get; } = node;

    public CipherFile File { get; } = file;

    public void Dispose() => File.Dispose();
}

/// <summary>An open directory: the decrypted listing taken at opendir, served from offsets.</summary>
internal sealed class OpenDirectory(ForwardNode node, IReadOnlyList<CipherEntry> entries, ulong ino, ulong parentIno)
{
    public ForwardNode Node { get; } = node;

    public IReadOnlyList<CipherEntry> Entries { get; } = entries;

    /// <summary>Inode numbers shown for "." and "..".</summary>
    public ulong Ino { get; } = ino;

    public ulong ParentIno { get; } = parentIno;
}
