using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format.Tests.Content;

/// <summary>The content test vectors in Vectors/Content (see the README there).</summary>
internal static class ContentVectors
{
    private static readonly Lazy<Dictionary<string, byte[]>> PlainFiles = new(() => ReadTar("plain_tree.tar"));
    private static readonly Lazy<Dictionary<string, byte[]>> CipherFiles = new(() => ReadTar("cipher_tree_reverse_view.tar"));

    public static JsonElement Primitives { get; } = Load("primitives_vectors.json");

    public static JsonElement ReverseTree { get; } = Load("reverse_tree_vectors.json");

    /// <summary>Regular files with content of the reverse view (virtual diriv/.name/config files left out).</summary>
    public static IEnumerable<JsonElement> RegularFiles => ReverseTree.GetProperty("entries").EnumerateArray()
        .Where(e => Text(e, "type") == "file" && !e.TryGetProperty("virtual", out _));

    public static byte[] PlainFile(string plainPath) => PlainFiles.Value[plainPath];

    public static byte[] CipherFile(string cipherPath) => CipherFiles.Value[cipherPath];

    /// <summary>A new AES-SIV with the vector content key HKDF(MK, "AES-SIV file content encryption", 64).</summary>
    public static AesSiv ContentSiv(bool allowHardware = true)
    {
        using var masterKey = MasterKey.FromBytes(Hex(Primitives, "masterkey_hex"));
        byte[] key = new byte[AesSiv.KeySize];
        masterKey.Derive("AES-SIV file content encryption"u8, key);
        Assert.That(Convert.ToHexStringLower(key), Is.EqualTo(Text(ReverseTree.GetProperty("derived_keys_hex"), "siv_key_64")));
        var siv = new AesSiv(key, allowHardware); // internal constructor: false forces the BCL (non-AES-NI) path
        CryptographicOperations.ZeroMemory(key);
        return siv;
    }

    /// <summary>PathIV(cipherPath, purpose) = SHA256(path || 0 || purpose)[0:16], computed here independently of PathIv.</summary>
    public static byte[] PathIv(string cipherPath, string purpose)
    {
        byte[] input = [.. Encoding.UTF8.GetBytes(cipherPath), 0, .. Encoding.ASCII.GetBytes(purpose)];
        return SHA256.HashData(input)[..16];
    }

    public static byte[] Hex(JsonElement element, string property) => Convert.FromHexString(Text(element, property));

    public static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    private static JsonElement Load(string fileName)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(PathOf(fileName)));
        return document.RootElement.Clone();
    }

    private static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "Vectors", "Content", fileName);

    private static Dictionary<string, byte[]> ReadTar(string fileName)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var stream = File.OpenRead(PathOf(fileName));
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                using var buffer = new MemoryStream();
                entry.DataStream?.CopyTo(buffer); // null for an empty file
                string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                files[name] = buffer.ToArray();
            }
        }

        return files;
    }
}
