namespace ReverseCrypt.Integration.Tests;

/// <summary>`reversecrypt --version` names the commit the launcher built it from.</summary>
public class VersionCommitTests
{
    [Test]
    public void Version_ShowsVersionAndTheCommitOfTheCheckout()
    {
        var git = Run.Program("git", ["-C", Repo.Root, "rev-parse", "--short", "HEAD"]);
        var expected = git.ExitCode == 0 ? git.Stdout.Trim() : "unknown";
        var r = Run.Cli("--version");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Does.Match(@"^\d+\.\d+\.\d+ \(commit ([0-9a-f]{4,40}|unknown)\)\n$"));
        Assert.That(r.Stdout.Trim(), Is.EqualTo($"{ReverseCrypt.Cli.Program.Version} (commit {expected})"));
    }

    [Test]
    public void BuiltWithoutTheProperty_SaysUnknown()
    {
        // The test project builds the CLI assembly with plain `dotnet build`, which passes no SourceCommit.
        Assert.That(ReverseCrypt.Cli.Program.Commit, Is.EqualTo("unknown"));
        Assert.That(ReverseCrypt.Cli.Program.VersionLine, Does.EndWith("(commit unknown)"));
    }
}
