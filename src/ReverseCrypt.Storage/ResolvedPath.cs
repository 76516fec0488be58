using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>
/// An object found by its plaintext path: its open parent directory (null for the root itself), its cipher name,
/// both paths, its statx, and the directories on the way (for re-creating them with their attributes).
/// </summary>
public sealed class ResolvedPath : IDisposable
{
    internal ResolvedPath(CipherDirectory? parent, byte[] cipherName, byte[] plainName, byte[] cipherPath, byte[] plainPath,
        Libc.StatxBuffer stat, IReadOnlyList<ResolvedAncestor> ancestors)
    {
        Parent = parent;
        CipherName = cipherName;
        PlainName = plainName;
        CipherPath = cipherPath;
        PlainPath = plainPath;
        Stat = stat;
        Ancestors = ancestors;
    }

    /// <summary>The open parent directory; null when the path is the root.</summary>
    public CipherDirectory? Parent { get; }

    /// <summary>The visible cipher name in the parent (empty for the root).</summary>
    public byte[] CipherName { get; }

    /// <summary>The plaintext name (empty for the root).</summary>
    public byte[] PlainName { get; }

    public byte[] CipherPath { get; }

    public byte[] PlainPath { get; }

    /// <summary>statx of the object (not following a symlink).</summary>
    public Libc.StatxBuffer Stat { get; }

    /// <summary>The directories from the root's child down to the parent (not the root itself).</summary>
    public IReadOnlyList<ResolvedAncestor> Ancestors { get; }

    public void Dispose() => Parent?.Dispose();
}

/// <summary>A directory on the way to a resolved path: its paths, plaintext name and statx.</summary>
public sealed record ResolvedAncestor(byte[] CipherPath, byte[] PlainPath, byte[] PlainName, Libc.StatxBuffer Stat);
