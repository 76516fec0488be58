using System.Text;
using System.Text.Json;

namespace ReverseCrypt.Format.Tests;

/// <summary>Reads the vector files copied next to the test assembly (see Vectors/README.md).</summary>
internal static class VectorData
{
    public static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "Vectors", fileName);

    public static JsonElement Load(string fileName)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(PathOf(fileName)));
        return document.RootElement.Clone();
    }

    public static JsonElement Primitives { get; } = Load("primitives_vectors.json");
    public static JsonElement ReverseTree { get; } = Load("reverse_tree_vectors.json");
    public static JsonElement Variants { get; } = Load("variant_vectors.json");

    public static byte[] MasterKeyBytes => Convert.FromHexString(Primitives.Str("masterkey_hex"));

    public static string Password => "correct horse battery staple";

    public static byte[] Hex(this JsonElement element, string property) => Convert.FromHexString(element.Str(property));

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;

    public static byte[] Utf8(this JsonElement element, string property) => Encoding.UTF8.GetBytes(element.Str(property));

    public static bool Has(this JsonElement element, string property) => element.TryGetProperty(property, out _);

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> ascii) => Encoding.ASCII.GetString(ascii);

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
