using System.Text;
using System.Text.Json;

namespace ReverseCrypt.Format.Tests;

public class PathIvTests
{
    private static IEnumerable<TestCaseData> PrimitiveCases()
    {
        foreach (var v in VectorData.Primitives.GetProperty("path_iv").EnumerateArray())
        {
            var purpose = v.Str("purpose") switch
            {
                "DIRIV" => PathIvPurpose.DirIv,
                "FILEID" => PathIvPurpose.FileId,
                "BLOCK0IV" => PathIvPurpose.Block0Iv,
                "SYMLINKIV" => PathIvPurpose.SymlinkIv,
                "XATTRIV" => PathIvPurpose.XattrIv,
                var other => throw new InvalidDataException(other),
            };
            yield return new TestCaseData(Encoding.UTF8.GetBytes(v.Str("path")), purpose, v.Str("iv"))
                .SetName($"PathIv_{v.Str("purpose")}_{v.Str("path").Replace('\0', '0')}");
        }
    }

    [TestCaseSource(nameof(PrimitiveCases))]
    public void Compute_matches_vector(byte[] path, PathIvPurpose purpose, string expectedHex)
    {
        Span<byte> iv = stackalloc byte[16];
        PathIv.Compute(path, purpose, iv);
        Assert.That(VectorData.ToHex(iv), Is.EqualTo(expectedHex));
    }

    [Test]
    public void RootDirIv_is_the_hash_of_the_empty_path()
    {
        Span<byte> iv = stackalloc byte[16];
        PathIv.Compute([], PathIvPurpose.DirIv, iv);
        Assert.That(VectorData.ToHex(PathIv.RootDirIv), Is.EqualTo("a8f7bac432ddc1cb3dc74e684d6ae48b"));
        Assert.That(VectorData.ToHex(iv), Is.EqualTo(VectorData.ToHex(PathIv.RootDirIv)));
    }

    [TestCase(PathIvPurpose.DirIv, "DIRIV")]
    [TestCase(PathIvPurpose.FileId, "FILEID")]
    [TestCase(PathIvPurpose.Block0Iv, "BLOCK0IV")]
    [TestCase(PathIvPurpose.SymlinkIv, "SYMLINKIV")]
    [TestCase(PathIvPurpose.XattrIv, "XATTRIV")]
    public void Purpose_strings_are_pinned(PathIvPurpose purpose, string ascii)
        => Assert.That(PathIv.PurposeString(purpose).ToArray(), Is.EqualTo(Encoding.ASCII.GetBytes(ascii)));

    [Test]
    public void Long_paths_beyond_the_stack_buffer_hash_the_whole_input()
    {
        var path = Encoding.ASCII.GetBytes(string.Join('/', Enumerable.Repeat("Vcuj0qWuypftLnu0bsbVJA", 200)));
        Span<byte> iv = stackalloc byte[16];
        PathIv.Compute(path, PathIvPurpose.FileId, iv);
        var expected = System.Security.Cryptography.SHA256.HashData([.. path, 0, .. "FILEID"u8.ToArray()]).AsSpan(0, 16).ToArray();
        Assert.That(iv.ToArray(), Is.EqualTo(expected));
    }

    /// <summary>Every diriv, file ID and block-0 nonce of the gocryptfs 2.3 view, from its cipher path alone.</summary>
    [Test]
    public void Every_diriv_file_id_and_block0_nonce_of_the_reverse_tree()
    {
        var checkedCount = 0;
        Span<byte> iv = stackalloc byte[16];
        foreach (var e in VectorData.ReverseTree.GetProperty("entries").EnumerateArray())
        {
            var cipherPath = e.Str("cipher_path");
            if (cipherPath.EndsWith("gocryptfs.diriv", StringComparison.Ordinal))
            {
                var dir = cipherPath.Length > "gocryptfs.diriv".Length ? cipherPath[..^"/gocryptfs.diriv".Length] : "";
                PathIv.Compute(VectorData.Ascii(dir), PathIvPurpose.DirIv, iv);
                Assert.That(VectorData.ToHex(iv), Is.EqualTo(e.Str("content")), cipherPath);
                checkedCount++;
            }
            if (e.Has("file_id_hex"))
            {
                PathIv.Compute(VectorData.Ascii(cipherPath), PathIvPurpose.FileId, iv);
                Assert.That(VectorData.ToHex(iv), Is.EqualTo(e.Str("file_id_hex")), cipherPath);
                Assert.That(e.Str("header_hex"), Is.EqualTo("0002" + e.Str("file_id_hex")));
                PathIv.Compute(VectorData.Ascii(cipherPath), PathIvPurpose.Block0Iv, iv);
                Assert.That(VectorData.ToHex(iv), Is.EqualTo(e.Str("block0_nonce_hex")), cipherPath);
                checkedCount++;
            }
        }
        Assert.That(checkedCount, Is.EqualTo(3 + 16)); // 3 directories, 16 non-empty files
    }

    [Test]
    public void Every_diriv_and_file_id_of_the_variant_trees()
    {
        var checkedCount = 0;
        Span<byte> iv = stackalloc byte[16];
        foreach (var variant in VectorData.Variants.GetProperty("variants").EnumerateObject())
        {
            foreach (var e in variant.Value.GetProperty("entries").EnumerateArray())
            {
                var cipherPath = e.Str("cipher_path");
                var cipherPathBytes = VectorData.Ascii(cipherPath);
                if (cipherPath == "gocryptfs.diriv" || cipherPath.EndsWith("/gocryptfs.diriv", StringComparison.Ordinal))
                {
                    var dir = cipherPath.Length > 15 ? cipherPath[..^16] : "";
                    PathIv.Compute(VectorData.Ascii(dir), PathIvPurpose.DirIv, iv);
                    Assert.That(VectorData.ToHex(iv), Is.EqualTo(e.Str("content_hex")), cipherPath);
                    checkedCount++;
                }
                else if (e.Str("type") == "file" && !cipherPath.EndsWith(".name", StringComparison.Ordinal))
                {
                    PathIv.Compute(cipherPathBytes, PathIvPurpose.FileId, iv);
                    Assert.That(e.Str("content_hex")[..36], Is.EqualTo("0002" + VectorData.ToHex(iv)), $"{variant.Name}: {cipherPath}");
                    PathIv.Compute(cipherPathBytes, PathIvPurpose.Block0Iv, iv);
                    Assert.That(e.Str("content_hex").Substring(36, 32), Is.EqualTo(VectorData.ToHex(iv)), $"{variant.Name}: {cipherPath}");
                    checkedCount++;
                }
            }
        }
        Assert.That(checkedCount, Is.GreaterThanOrEqualTo(25));
    }
}
