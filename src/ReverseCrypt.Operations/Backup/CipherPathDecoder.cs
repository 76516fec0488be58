// Turning the encrypted paths rsync reports back into plaintext paths (docs/format.md 5, 6, 7.2, 7.5): in a tree made by
// reverse mode every directory's name IV is PathIV(cipher path of the directory, "DIRIV"), so a name decrypts from
// its path alone, even when the entry exists only on the remote side; a long name needs its .name file, read from
// the view.
using System.Text;
using ReverseCrypt.Format;

namespace ReverseCrypt.Operations.Backup;

/// <summary>Maps a cipher path of a reverse view ("a/b/c", '/'-separated) to its plaintext path, for messages.</summary>
public sealed class CipherPathDecoder
{
    private readonly NameTransform _names;
    private readonly string? _viewRoot;

    /// <param name="names">The name transform of the view's key.</param>
    /// <param name="viewRoot">The mounted view (to read long names' .name files), or null.</param>
    public CipherPathDecoder(NameTransform names, string? viewRoot)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = names;
        _viewRoot = viewRoot;
    }

    /// <summary>
    /// The plaintext path for <paramref name="cipherPath"/> ("" or "." is the root, shown as "/"); the files that
    /// belong to the format are shown in brackets ("[config gocryptfs.conf]", "docs/[gocryptfs.diriv]"). A component
    /// that cannot be decrypted stays encrypted, marked "?cipher:NAME".
    /// </summary>
    public string Decode(string cipherPath)
    {
        ArgumentNullException.ThrowIfNull(cipherPath);
        var trimmed = cipherPath.Trim('/');
        if (trimmed is "" or ".") return "/";
        var components = trimmed.Split('/');
        var plain = new List<string>(components.Length);
        Span<byte> iv = stackalloc byte[PathIv.Size];
        Span<byte> plainName = stackalloc byte[NameTransform.MaxPlainNameLength];
        for (var i = 0; i < components.Length; i++)
        {
            var name = components[i];
            var parent = string.Join('/', components, 0, i);
            var isLast = i == components.Length - 1;
            if (i == 0 && name == "gocryptfs.conf" && isLast) { plain.Add("[config gocryptfs.conf]"); continue; }
            if (name == "gocryptfs.diriv" && isLast) { plain.Add("[gocryptfs.diriv]"); continue; }
            var nameBytes = Encoding.UTF8.GetBytes(name);
            if (NameTransform.IsLongNameDotName(nameBytes) && isLast)
            {
                plain.Add($"[long name of {DecodeComponent(parent, name[..^NameTransform.LongNameSuffix.Length], iv, plainName)}]");
                continue;
            }
            plain.Add(DecodeComponent(parent, name, iv, plainName));
        }
        return string.Join('/', plain);
    }

    private string DecodeComponent(string cipherParent, string cipherName, Span<byte> iv, Span<byte> plainName)
    {
        var full = Encoding.UTF8.GetBytes(cipherName);
        if (NameTransform.IsLongNameEntry(full))
        {
            var nameFile = _viewRoot is null ? null
                : Path.Combine(_viewRoot, cipherParent, cipherName + Encoding.ASCII.GetString(NameTransform.LongNameSuffix));
            try
            {
                if (nameFile is null || !File.Exists(nameFile)) return "?cipher:" + cipherName;
                full = File.ReadAllBytes(nameFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return "?cipher:" + cipherName;
            }
        }
        _names.ComputeDirIv(Encoding.UTF8.GetBytes(cipherParent), iv);
        return _names.TryDecryptName(full, iv, plainName, out var length)
            ? Encoding.UTF8.GetString(plainName[..length])
            : "?cipher:" + cipherName;
    }
}
