using ReverseCrypt.Format.Content;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

public sealed partial class CipherTree
{
    private const int KeyCheckFiles = 4;

    /// <summary>
    /// Throws <see cref="WrongKeyException"/> when nothing in the root can be decrypted with this key: the root has
    /// entries but none of their names decrypts (encrypted names), or none of up to four regular files of the root
    /// authenticates its first block (plaintext names). A root that is empty or only partly damaged passes.
    /// </summary>
    public void CheckKey()
    {
        using var root = Store is null ? OpenRoot() : null;
        var rootDir = root is null ? Root : new CipherDir(root.Fd);
        var listing = List(rootDir, [], [], root?.Ivs ?? DirectoryIvs.Read(rootDir, [], Options));
        int undecryptable = listing.Problems.Count(p => p.Kind == CipherProblemKind.NameUndecryptable);
        if (!Options.PlaintextNames)
        {
            if (listing.Entries.Count == 0 && undecryptable > 0)
            {
                throw new WrongKeyException(
                    $"no name in {RootPath} decrypts with this key: wrong master key, or the tree was made with other options " +
                    "(deterministic names, plaintext names, long-name limit, legacy non-HKDF)");
            }
            return;
        }
        int tried = 0;
        var plain = new byte[ContentLayout.PlainBlockSize];
        var cipher = new byte[ContentLayout.CipherBlockSize];
        foreach (var entry in listing.Entries)
        {
            if (tried >= KeyCheckFiles)
            {
                break;
            }
            using var file = CipherFile.Open(this, rootDir, entry.CipherName, entry.CipherName, out var status, out _);
            if (file is null || file.PlainSize == 0)
            {
                continue;
            }
            tried++;
            if (file.ReadBlocks(0, plain, cipher, out _, out _, out _) == ContentStatus.Ok)
            {
                return;
            }
        }
        if (tried > 0)
        {
            throw new WrongKeyException($"no file content in {RootPath} authenticates with this key: wrong master key");
        }
    }
}
