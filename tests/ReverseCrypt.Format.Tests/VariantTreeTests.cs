using System.Text;
using System.Text.Json;

namespace ReverseCrypt.Format.Tests;

/// <summary>
/// The small tree of variant_vectors.json under every option set gocryptfs 2.3 was run with: the complete listing,
/// diriv and .name contents, symlink targets, and file contents opened with the (HKDF or legacy) content key.
/// </summary>
public class VariantTreeTests
{
    private static readonly string D70 = new('d', 70);
    private static readonly string E70 = new('e', 70);
    private static readonly string N100 = new('n', 100);

    /// <summary>plain_tree_variants.tar: path, type, content (file) or target (symlink).</summary>
    private static readonly (string Path, string Type, string Data)[] PlainTree =
    [
        (D70, "dir", ""),
        ($"{D70}/{E70}", "file", "seventy\n"),
        ("file.txt", "file", "hi\n"),
        ("lnk", "symlink", "file.txt"),
        (N100, "file", "hundred\n"),
        ("sub", "dir", ""),
        ("sub/file.txt", "file", "hi\n"),
    ];

    private static IEnumerable<TestCaseData> Variants()
    {
        var defaults = FormatOptions.ReverseDefaults;
        yield return new TestCaseData("default", defaults);
        yield return new TestCaseData("deterministic-names", defaults with { DirIv = false, DeterministicNames = true });
        yield return new TestCaseData("longnamemax-100", defaults with { LongNameMax = 100 });
        yield return new TestCaseData("plaintextnames", defaults with { PlaintextNames = true, DirIv = false, Raw64 = false });
        yield return new TestCaseData("legacy-no-hkdf-no-raw64", defaults with { Hkdf = false, Raw64 = false });
    }

    [TestCaseSource(nameof(Variants))]
    public void Variant_tree_matches_gocryptfs(string variant, FormatOptions options)
    {
        var entries = VectorData.Variants.GetProperty("variants").GetProperty(variant).GetProperty("entries").EnumerateArray()
            .ToDictionary(e => e.Str("cipher_path"));
        using var core = TestKeys.CreateCore(options);
        var names = new NameTransform(core);
        var symlinks = new SymlinkTransform(core);
        var walker = new CipherPathMap(names);
        var expected = new Dictionary<string, string>(); // cipher path -> type
        var dirIv = new byte[16];

        if (options.HasDirIvFiles) expected["gocryptfs.diriv"] = "file";
        foreach (var (path, type, data) in PlainTree)
        {
            var (cipherPath, fullNames) = walker.Map(Encoding.UTF8.GetBytes(path));
            expected[cipherPath] = type;
            Assert.That(entries, Does.ContainKey(cipherPath), $"{variant}: {path}");
            var entry = entries[cipherPath];
            Assert.That(entry.Str("type"), Is.EqualTo(type));
            switch (type)
            {
                case "dir" when options.HasDirIvFiles:
                    expected[cipherPath + "/gocryptfs.diriv"] = "file";
                    PathIv.Compute(VectorData.Ascii(cipherPath), PathIvPurpose.DirIv, dirIv);
                    Assert.That(entries[cipherPath + "/gocryptfs.diriv"].Str("content_hex"), Is.EqualTo(VectorData.ToHex(dirIv)));
                    break;
                case "file":
                    var plain = ReverseTreeTests.OpenSingleBlockFile(core, entry.Hex("content_hex"));
                    Assert.That(Encoding.UTF8.GetString(plain), Is.EqualTo(data), $"{variant}: {path}");
                    PathIv.Compute(VectorData.Ascii(cipherPath), PathIvPurpose.FileId, dirIv);
                    Assert.That(entry.Hex("content_hex")[2..18], Is.EqualTo(dirIv));
                    Assert.That(entry.GetProperty("size").GetInt32(), Is.EqualTo(18 + 32 + data.Length));
                    break;
                case "symlink":
                    var target = new byte[symlinks.EncryptedTargetLength(data.Length)];
                    symlinks.EncryptTarget(Encoding.UTF8.GetBytes(data), VectorData.Ascii(cipherPath), target);
                    Assert.That(VectorData.Text(target), Is.EqualTo(entry.Str("target")));
                    Assert.That(entry.GetProperty("size").GetInt32(), Is.EqualTo(target.Length));
                    break;
            }
            var last = cipherPath[(cipherPath.LastIndexOf('/') + 1)..];
            if (!options.PlaintextNames && NameTransform.IsLongNameEntry(VectorData.Ascii(last)))
            {
                expected[cipherPath + ".name"] = "file";
                var dotName = entries[cipherPath + ".name"];
                Assert.That(Encoding.ASCII.GetString(dotName.Hex("content_hex")), Is.EqualTo(fullNames[^1]));
                Assert.That(dotName.GetProperty("size").GetInt32(), Is.EqualTo(fullNames[^1].Length));
            }
        }
        Assert.That(entries.Keys, Is.EquivalentTo(expected.Keys), variant);
        foreach (var (cipherPath, type) in expected) Assert.That(entries[cipherPath].Str("type"), Is.EqualTo(type), cipherPath);
    }

    [Test]
    public void The_variants_cover_long_names_and_the_legacy_layout()
    {
        var variants = VectorData.Variants.GetProperty("variants");
        Assert.That(variants.EnumerateObject().Select(v => v.Name),
            Is.EquivalentTo(new[] { "default", "deterministic-names", "longnamemax-100", "plaintextnames", "legacy-no-hkdf-no-raw64" }));
        Assert.That(variants.GetProperty("longnamemax-100").GetProperty("entries").EnumerateArray()
            .Count(e => e.Str("cipher_path").EndsWith(".name", StringComparison.Ordinal)), Is.EqualTo(3));
        Assert.That(variants.GetProperty("legacy-no-hkdf-no-raw64").GetProperty("entries").EnumerateArray()
            .Count(e => e.Str("cipher_path").Contains('=', StringComparison.Ordinal)), Is.GreaterThan(0));
    }
}
