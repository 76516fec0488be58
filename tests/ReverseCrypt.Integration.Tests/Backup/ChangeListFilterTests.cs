using System.Text;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// The rsync of a change-driven run into a hard-link clone, with the real rsync: --files-from implies --dirs, and with
/// --dirs a listed "." sends every entry of the root one level deep. Without the include rules of
/// <see cref="ChangePlan.WriteTopLevelIncludes"/> rsync set the mode of an unlisted root entry in place, on the inode
/// the clone shares with the older snapshot (measured: <c>.f...p.....</c>, the older snapshot's file chmod'ed).
/// </summary>
public class ChangeListFilterTests
{
    private TestDirectory _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        Require.Tool("rsync");
        _tmp = new TestDirectory();
    }

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    [Test]
    public void ListedRoot_SendsOnlyTheListedRootEntries_AnUnlistedChangedOneKeepsTheOlderInodeAsItWas()
    {
        var source = _tmp.Sub("src");
        // "x*y" and "x?[\\" are listed: names with rsync wildcards must match only themselves ("xzy" and "x?[\\z" are
        // what an unescaped pattern would also match).
        string[] names = ["listed", "unlisted", "x*y", "xzy", "x?[\\", "x?[\\z"];
        foreach (var name in names) File.WriteAllText(Path.Combine(source, name), name + "\n");
        Directory.CreateDirectory(Path.Combine(source, "d"));
        File.WriteAllText(Path.Combine(source, "d", "f"), "f\n");
        var older = Path.Combine(_tmp.Path, "dest", "older");
        Directory.CreateDirectory(Path.GetDirectoryName(older)!);
        Run.ProgramOk("rsync", ["-aHAX", source + "/", older + "/"]);
        var clone = Path.Combine(_tmp.Path, "dest", "new");
        Run.ProgramOk("cp", ["-al", older, clone]);

        foreach (var name in names) Run.ProgramOk("chmod", ["600", Path.Combine(source, name)]);
        File.AppendAllText(Path.Combine(source, "d", "f"), "more\n");
        string[] listed = [".", "listed", "x*y", "x?[\\", "d/f"];
        // As a change-driven run does (ChangePlan.CloneRemovals): a listed changed file leaves the clone first.
        foreach (var path in listed.Where(p => p != ".")) File.Delete(Path.Combine(clone, path));
        var list = Path.Combine(_tmp.Path, "list");
        var includes = Path.Combine(_tmp.Path, "includes");
        ChangePlan.WriteFilesFrom(list, includes, [.. listed.Select(Encoding.UTF8.GetBytes)]);

        var run = RsyncProcess.Run(RsyncArguments.ForChanges(source, clone, list, includes, null, linkDest: null, null, dryRun: false));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);

        foreach (var name in names)
        {
            var isListed = listed.Contains(name);
            Assert.That(Mode(Path.Combine(clone, name)), Is.EqualTo(isListed ? "600" : "644"), name);
            Assert.That(Mode(Path.Combine(older, name)), Is.EqualTo("644"), $"{name}: the older snapshot's inode is left alone");
        }
        Assert.That(File.ReadAllText(Path.Combine(clone, "d", "f")), Is.EqualTo("f\nmore\n"));
        Assert.That(File.ReadAllText(Path.Combine(older, "d", "f")), Is.EqualTo("f\n"));
    }

    [TestCase("plain", "plain")]
    [TestCase("x*y", "x\\*y")]
    [TestCase("a\\b", "a\\b")]
    [TestCase("a\\[b", "a\\\\\\[b")]
    public void RsyncPattern_EscapesOnlyANameWithAWildcard(string name, string pattern) =>
        Assert.That(Encoding.UTF8.GetString(ChangePlan.RsyncPattern(Encoding.UTF8.GetBytes(name))), Is.EqualTo(pattern));

    private static string Mode(string path) => Run.Ok($"stat -c %a {Run.Quote(path)}").Trim();
}
