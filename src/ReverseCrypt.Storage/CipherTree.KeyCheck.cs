using ReverseCrypt.Format.Content;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

public sealed partial class CipherTree
{
    private const int KeyCheckFiles = 8;

    /// <summary>
    /// Throws <see cref="WrongKeyException"/> when nothing in the root can be decrypted with this key. File content is
    /// authenticated (a 128-bit tag per block), so it decides whenever the root has a non-empty regular file: the key
    /// is right when the first block of one of up to eight such files authenticates, wrong when none does. Only a root
    /// without such a file falls back to its names: wrong when it has entries but none of their names decrypts. Names
    /// alone are weak evidence: a wrong key decrypts a name to valid padding by chance (about 1 in 256 per name, so
    /// 1 in 22 for a root of 13 names), which is why content goes first. A root that is empty or only partly damaged
    /// passes.
    /// </summary>
    public void CheckKey()
    {
        using var root = Store is null ? OpenRoot() : null;
        var rootDir = root is null ? Root : new CipherDir(root.Handle);
        int tried = 0;
        var plain = new byte[ContentLayout.PlainBlockSize];
        var cipher = new byte[ContentLayout.CipherBlockSize];
        foreach (var item in rootDir.ReadEntries(out _) ?? [])
        {
            if (tried >= KeyCheckFiles)
            {
                break;
            }
            if (item.Type is not (Libc.DT_REG or Libc.DT_UNKNOWN) || IsSpecialName([], item.Name))
            {
                continue;
            }
            using var file = CipherFile.Open(this, rootDir, item.Name, item.Name, out _, out _);
            if (file is null || file.PlainSize == 0)
            {
                continue;
            }
            var status = file.ReadBlocks(0, plain, cipher, out int plainLength, out _, out _);
            int cipherLength = plainLength + ContentLayout.BlockOverhead;
            if (status == ContentStatus.Ok && !cipher.AsSpan(0, Math.Min(cipherLength, cipher.Length)).ContainsAnyExcept((byte)0))
            {
                continue;   // a hole (all-zero block) decrypts with any key: no evidence either way
            }
            tried++;
            if (status == ContentStatus.Ok)
            {
                return;
            }
        }
        if (tried > 0)
        {
            throw new WrongKeyException($"no file content in {RootPath} authenticates with this key: wrong master key");
        }
        if (!Options.PlaintextNames)
        {
            var listing = List(rootDir, [], [], root?.Ivs ?? DirectoryIvs.Read(rootDir, [], Options));
            int undecryptable = listing.Problems.Count(p => p.Kind == CipherProblemKind.NameUndecryptable);
            if (listing.Entries.Count == 0 && undecryptable > 0)
            {
                throw new WrongKeyException(
                    $"no name in {RootPath} decrypts with this key: wrong master key, or the tree was made with other options " +
                    "(deterministic names, plaintext names, long-name limit, legacy non-HKDF)");
            }
        }
    }
}
