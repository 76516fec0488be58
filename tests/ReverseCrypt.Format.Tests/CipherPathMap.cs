using System.Text;

namespace ReverseCrypt.Format.Tests;

/// <summary>Maps plain paths to cipher paths the way the reverse view does: each component encrypted with its parent's IV.</summary>
internal sealed class CipherPathMap(NameTransform names)
{
    /// <summary>Cipher path of a plain path plus, per component, the full (unhashed) cipher name.</summary>
    public (string CipherPath, List<string> FullNames) Map(byte[] plainPath)
    {
        var cipherPath = "";
        var fullNames = new List<string>();
        Span<byte> dirIv = stackalloc byte[16];
        Span<byte> full = stackalloc byte[NameTransform.MaxCipherNameLength];
        Span<byte> hashed = stackalloc byte[NameTransform.MaxHashedNameLength];
        foreach (var component in Split(plainPath))
        {
            names.ComputeDirIv(Encoding.ASCII.GetBytes(cipherPath), dirIv);
            var length = names.EncryptName(component, dirIv, full);
            fullNames.Add(Encoding.UTF8.GetString(full[..length]));
            var visible = names.IsLongName(length)
                ? Encoding.ASCII.GetString(hashed[..names.HashLongName(full[..length], hashed)])
                : Encoding.UTF8.GetString(full[..length]);
            cipherPath = cipherPath.Length == 0 ? visible : cipherPath + "/" + visible;
        }
        return (cipherPath, fullNames);
    }

    private static List<byte[]> Split(byte[] path)
    {
        var parts = new List<byte[]>();
        var start = 0;
        for (var i = 0; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == '/')
            {
                parts.Add(path[start..i]);
                start = i + 1;
            }
        }
        return parts;
    }
}
