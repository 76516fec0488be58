using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

public class VerifyDifferenceTests
{
    [TestCase("<fc........ a/B", "a/B", VerifyDifferenceKind.Content, "content differs")]
    [TestCase(">fcst...... x", "x", VerifyDifferenceKind.Content, "content, size, mtime differ")]
    [TestCase("<f+++++++++ new", "new", VerifyDifferenceKind.Missing, "missing from the backup")]
    [TestCase("cd+++++++++ dir/", "dir", VerifyDifferenceKind.Missing, "missing from the backup")]
    [TestCase("*deleting   old", "old", VerifyDifferenceKind.Extra, "only in the backup")]
    [TestCase(".d..t...... ./", "", VerifyDifferenceKind.Metadata, "mtime differs")]
    [TestCase(".f...po.... f", "f", VerifyDifferenceKind.Metadata, "permissions, owner differ")]
    [TestCase(".f........x f", "f", VerifyDifferenceKind.Metadata, "xattrs differ")]
    [TestCase("cLc.t...... l", "l", VerifyDifferenceKind.Content, "symlink target, mtime differ")]
    public void ItemizedLines_AreClassified(string line, string path, VerifyDifferenceKind kind, string words)
    {
        Assert.That(VerifyDifference.TryParse(line, out var d), Is.True);
        Assert.That(d.CipherPath, Is.EqualTo(path));
        Assert.That(d.Kind, Is.EqualTo(kind));
        Assert.That(d.Describe(), Is.EqualTo(words));
    }

    [TestCase("sending incremental file list")]
    [TestCase("")]
    [TestCase("Number of files: 3")]
    public void OtherLines_AreNoDifferences(string line) => Assert.That(VerifyDifference.TryParse(line, out _), Is.False);

    [Test]
    public void EscapedBytes_AreDecoded()
    {
        Assert.That(VerifyDifference.TryParse("<fc........ new\\#012line", out var d), Is.True);
        Assert.That(d.CipherPath, Is.EqualTo("new\nline"));
    }

    [Test]
    public void HashOutput_IsParsed()
    {
        var hashes = HardLinkCheck.ParseHashes(new string('a', 64) + "  ./x/y\n" + new string('B', 64) + "  ./z\nsha256sum: w: No such file\n");
        Assert.That(hashes, Is.EqualTo(new Dictionary<string, string> { ["x/y"] = new string('a', 64), ["z"] = new string('b', 64) }));
    }
}
