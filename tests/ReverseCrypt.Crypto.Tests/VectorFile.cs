using System.Text.Json;

namespace ReverseCrypt.Crypto.Tests;

/// <summary>Reads the JSON vector files copied next to the test assembly (see Vectors/README.md).</summary>
internal static class VectorFile
{
    public static JsonElement Load(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Vectors", fileName);
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    }

    public static IEnumerable<JsonElement> Cases(string fileName) => Load(fileName).GetProperty("cases").EnumerateArray();

    public static JsonElement Primitives(string property) => Load("primitives_vectors.json").GetProperty(property);

    public static byte[] Hex(this JsonElement element, string property) => Convert.FromHexString(element.GetProperty(property).GetString()!);

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
