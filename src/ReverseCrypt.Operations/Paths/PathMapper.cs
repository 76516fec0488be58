using ReverseCrypt.Format;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Paths;

/// <summary>
/// Maps paths between the plaintext and an encrypted tree without a mount (`reversecrypt path`). Paths are
/// relative to the tree root; a leading '/' and "." components are ignored. For text input, use
/// <see cref="BytePath.TryParseDisplay"/> so that names that are not UTF-8 can be given as "\xNN" (the form every
/// output uses).
/// </summary>
public static class PathMapper
{
    /// <summary>Cipher path (as it appears in the tree, long names hashed) to plaintext path.</summary>
    public static PathMapping Decrypt(string cipherDir, CryptoCore core, ReadOnlySpan<byte> cipherPath)
    {
        using var tree = new CipherTree(cipherDir, core);
        var plain = new CipherPathResolver(tree).Decrypt(cipherPath, out var problem);
        return new PathMapping(plain, plain is not null, problem);
    }

    /// <summary>Plaintext path to cipher path. Existing directories supply their stored IVs; a missing part is
    /// still encrypted (with the path-derived IVs of reverse mode) and reported with Exists = false.</summary>
    public static PathMapping Encrypt(string cipherDir, CryptoCore core, ReadOnlySpan<byte> plainPath)
    {
        using var tree = new CipherTree(cipherDir, core);
        var cipher = new CipherPathResolver(tree).Encrypt(plainPath, out bool exists);
        return cipher is null
            ? new PathMapping(null, false, new CipherProblem(CipherProblemKind.NotFound, [], plainPath.ToArray(),
                "not a valid relative path ('..' or a name over 255 bytes)"))
            : new PathMapping(cipher, exists, null);
    }
}
