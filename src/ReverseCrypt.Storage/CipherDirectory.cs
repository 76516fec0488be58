using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>
/// An open directory of an encrypted tree, for walkers (restore, fsck, path mapping): its descriptor (O_RDONLY,
/// reached without following symlinks), its cipher and plaintext paths, and its name IVs.
/// </summary>
public sealed class CipherDirectory : IDisposable
{
    internal CipherDirectory(SafeFd handle, byte[] cipherPath, byte[] plainPath, DirectoryIvs ivs)
    {
        Handle = handle;
        CipherPath = cipherPath;
        PlainPath = plainPath;
        Ivs = ivs;
    }

    /// <summary>The owned descriptor.</summary>
    public SafeFd Handle { get; }

    /// <summary>Path in the encrypted tree (root = empty).</summary>
    public byte[] CipherPath { get; }

    /// <summary>Plaintext path (root = empty).</summary>
    public byte[] PlainPath { get; }

    public DirectoryIvs Ivs { get; }

    public void Dispose() => Handle.Dispose();
}
