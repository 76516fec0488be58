using System.Text.Json;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// The view with each format variant against what gocryptfs 2.3 -reverse -masterkey showed for the variant vector
/// tree: default, deterministic names, a long-name threshold of 100, plaintext names, and the legacy layout (no HKDF,
/// padded base64).
/// </summary>
public class ReverseViewVariantTests
{
    private static readonly Dictionary<string, FormatOptions> Variants = new()
    {
        ["default"] = FormatOptions.ReverseDefaults,
        ["deterministic-names"] = FormatOptions.ReverseDefaults with { DirIv = false, DeterministicNames = true },
        ["longnamemax-100"] = FormatOptions.ReverseDefaults with { LongNameMax = 100 },
        ["plaintextnames"] = FormatOptions.ReverseDefaults with { PlaintextNames = true, DirIv = false, Raw64 = false },
        ["legacy-no-hkdf-no-raw64"] = FormatOptions.ReverseDefaults with { Hkdf = false, Raw64 = false },
    };

    public static IEnumerable<string> VariantNames => Variants.Keys;

    [TestCaseSource(nameof(VariantNames))]
    public void Walk_MatchesGocryptfsReverse(string variant)
    {
        using var dir = new TestDirectory();
        string plain = dir.Sub("plain");
        Run.Ok($"tar --numeric-owner -xpf {Run.Quote(Path.Combine(VectorTree.VectorsDir, "plain_tree_variants.tar"))} -C {Run.Quote(plain)}");
        using var core = TestKeys.CreateCore(Variants[variant]);
        using var fs = new ReverseFileSystem(new ReverseOptions(plain), core);
        var seen = new ViewClient(fs).Walk();

        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(VectorTree.VectorsDir, "variant_vectors.json")))
            .RootElement.GetProperty("variants").GetProperty(variant).GetProperty("entries").EnumerateArray().ToList();
        Assert.That(seen.Keys.Order(StringComparer.Ordinal),
            Is.EqualTo(expected.Select(e => e.GetProperty("cipher_path").GetString()!).Order(StringComparer.Ordinal)));
        Assert.Multiple(() =>
        {
            foreach (var e in expected)
            {
                string path = e.GetProperty("cipher_path").GetString()!;
                string type = e.GetProperty("type").GetString()!;
                Assert.That(seen[path].Type, Is.EqualTo(type), path);
                if (type == "file")
                {
                    Assert.That(seen[path].Sha256, Is.EqualTo(e.GetProperty("sha256").GetString()), path);
                }
                else if (type == "symlink")
                {
                    Assert.That(seen[path].LinkTarget, Is.EqualTo(e.GetProperty("target").GetString()), path);
                }
            }
        });
    }
}
