using ReverseCrypt.Operations.Paths;

namespace ReverseCrypt.Operations.Tests;

/// <summary>`reversecrypt path`: both directions without a mount, checked against the mapping gocryptfs 2.3 recorded
/// (vector table: plain path -> cipher path of every entry, long names included).</summary>
public sealed class PathMapperTests
{
    private TestDirectory _dir = null!;
    private string _cipher = null!;

    public static IEnumerable<TestCaseData> Rows() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Vectors", "reverse_tree_vectors.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .Where(f => !f[1].StartsWith("(virtual", StringComparison.Ordinal) && f[0] != "gocryptfs.conf")
            .Select(f => new TestCaseData(f[0], f[1]).SetName($"{{m}}({(f[1].Length > 40 ? f[1][..40] + "…" : f[1])})"));

    [OneTimeSetUp]
    public void Extract()
    {
        _dir = new TestDirectory();
        _cipher = VectorTar.Extract("cipher_tree_reverse_view.tar", _dir.Sub("cipher"));
    }

    [OneTimeTearDown]
    public void Cleanup() => _dir.Dispose();

    [TestCaseSource(nameof(Rows))]
    public void DecryptAndEncrypt_MatchTheRecordedMapping(string cipherPath, string plainPath)
    {
        using var core = TestKeys.CreateCore();
        var decrypted = PathMapper.Decrypt(_cipher, core, Encoding.ASCII.GetBytes(cipherPath));
        var encrypted = PathMapper.Encrypt(_cipher, core, Encoding.UTF8.GetBytes(plainPath));

        Assert.That(decrypted.Problem, Is.Null);
        Assert.That(decrypted.Path, Is.EqualTo(Encoding.UTF8.GetBytes(plainPath)));
        Assert.That(encrypted.Exists, Is.True);
        Assert.That(encrypted.Text, Is.EqualTo(cipherPath));
    }

    [Test]
    public void Encrypt_PathThatDoesNotExist_UsesTheReverseModeIvsAndSaysSo()
    {
        using var core = TestKeys.CreateCore();
        var mapping = PathMapper.Encrypt(_cipher, core, "subdir/not-there/file"u8);
        Assert.That(mapping.Exists, Is.False);
        Assert.That(mapping.Text, Does.StartWith("Vcuj0qWuypftLnu0bsbVJA/"));
        Assert.That(mapping.Text!.Split('/'), Has.Length.EqualTo(3));
    }

    [Test]
    public void Decrypt_SpecialOrMissingPaths_ExplainWhy()
    {
        using var core = TestKeys.CreateCore();
        Assert.That(PathMapper.Decrypt(_cipher, core, "Vcuj0qWuypftLnu0bsbVJA/gocryptfs.diriv"u8).Problem!.Detail,
            Does.Contain("metadata file of directory subdir"));
        Assert.That(PathMapper.Decrypt(_cipher, core, "gocryptfs.conf"u8).Path, Is.Null);
        Assert.That(PathMapper.Decrypt(_cipher, core, "AAAAAAAAAAAAAAAAAAAAAA"u8).Problem!.Kind, Is.EqualTo(CipherProblemKind.NotFound));
        Assert.That(PathMapper.Decrypt(_cipher, core, "../x"u8).Path, Is.Null);
        Assert.That(PathMapper.Encrypt(_cipher, core, "a/../b"u8).Path, Is.Null);
    }

    [Test]
    public void DisplayForm_RoundTripsNamesThatAreNotUtf8()
    {
        byte[] name = [0xff, 0xfe, (byte)'\\', (byte)'x', (byte)'4', (byte)'1', (byte)'\n', 0xc3, 0xbc];
        var shown = BytePath.Display(name);
        Assert.That(shown, Is.EqualTo("\\xff\\xfe\\\\x41\\x0aü"));
        Assert.That(BytePath.TryParseDisplay(shown, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(name));
        Assert.That(BytePath.TryParseDisplay("bad\\q", out _), Is.False);
    }
}
