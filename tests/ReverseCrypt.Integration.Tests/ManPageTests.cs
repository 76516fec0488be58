namespace ReverseCrypt.Integration.Tests;

/// <summary>packaging/man/reversecrypt.1 renders without groff warnings or stray font escapes, and has a section for
/// every command issue 15 found missing.</summary>
public class ManPageTests
{
    private static readonly string Page = Path.Combine(Repo.Root, "packaging", "man", "reversecrypt.1");

    [Test]
    public void Renders_WithoutWarnings_OrLiteralFontEscapes()
    {
        Require.Tool("groff");
        var warnings = Run.Program("groff", ["-man", "-Tutf8", "-ww", "-z", Page]);
        Assert.That(warnings.ExitCode, Is.EqualTo(0), warnings.ToString());
        Assert.That(warnings.Stderr.Trim(), Is.Empty);
        var text = Run.Program("groff", ["-man", "-Tascii", "-P", "-cbou", Page], env: new Dictionary<string, string> { ["MANWIDTH"] = "200" });
        Assert.That(text.ExitCode, Is.EqualTo(0), text.ToString());
        // A misplaced escape shows its font letter glued to a word: "B$XDG_RUNTIME_DIRR", "reversecrypt-IUIDR".
        Assert.That(text.Stdout, Does.Not.Match(@"\b[BIR]\$|[a-z]R\b.*IUID|IUIDR|\\f"));
        Assert.That(text.Stdout, Does.Contain("$XDG_RUNTIME_DIR/reversecrypt").And.Contain("/tmp/reversecrypt-UID"));
    }

    [TestCase("INFO")]
    [TestCase("PASSWD")]
    [TestCase("FSCK")]
    [TestCase("PATH")]
    [TestCase("INSTANCE FILES")]
    [TestCase("HOOKS AND SOURCE SNAPSHOTS")]
    public void HasSection(string section) =>
        Assert.That(File.ReadAllLines(Page), Does.Contain(".SH " + section));
}
