using System.Text.Json;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>`backup --dry-run` lists, by plaintext path, what it would send, re-attribute and delete (a real view,
/// real rsync, to a local and an ssh destination).</summary>
[Category("Mount")]
[NonParallelizable]
public class DryRunListingTests : BackupFixture
{
    private static readonly string LongName = new string('L', 200) + ".txt";

    [SetUp]
    public void SetUp()
    {
        Directory.CreateDirectory(Path.Combine(_s.Plain, "docs"));
        File.WriteAllText(Path.Combine(_s.Plain, "docs", "a.txt"), "a");
        File.WriteAllText(Path.Combine(_s.Plain, "docs", "b.txt"), "b");
        File.WriteAllText(Path.Combine(_s.Plain, "gone.txt"), "will be deleted");
        File.WriteAllText(Path.Combine(_s.Plain, "mode.txt"), "chmod only");
        _s.Init();
    }

    private static Dictionary<string, string> Changes(JsonElement summary) =>
        summary.GetProperty("changes").EnumerateArray().ToDictionary(c => c.GetProperty("path").GetString()!, c => c.GetProperty("action").GetString()!);

    [Test]
    public void DryRun_ListsSendAttrsAndDelete_ByPlaintextPath()
    {
        var (first, firstSummary) = _s.Backup(_s.Dest, "--snapshots", "--dry-run");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var all = Changes(firstSummary);
        Assert.That(all, Does.ContainKey("docs/a.txt").And.ContainKey("docs/b.txt").And.ContainKey("gone.txt").And.ContainKey("[config gocryptfs.conf]"));
        Assert.That(all.Keys, Has.None.Contains("gocryptfs.diriv"), "the format's companions are not listed");
        Assert.That(firstSummary.GetProperty("changes_count").GetInt32(), Is.EqualTo(all.Count));
        Assert.That(_s.SnapshotNames, Is.Empty, "a dry run creates nothing");

        var (made, _) = _s.Backup(_s.Dest, "--snapshots");
        Assert.That(made.ExitCode, Is.EqualTo(0), made.ToString());

        File.WriteAllText(Path.Combine(_s.Plain, "docs", "a.txt"), "a changed, longer");
        File.Delete(Path.Combine(_s.Plain, "gone.txt"));
        File.SetUnixFileMode(Path.Combine(_s.Plain, "mode.txt"), UnixFileMode.UserRead);
        File.WriteAllText(Path.Combine(_s.Plain, "docs", LongName), "a long name");
        var (dry, summary) = _s.Backup(_s.Dest, "--snapshots", "--dry-run");
        Assert.That(dry.ExitCode, Is.EqualTo(0), dry.ToString());
        var changes = Changes(summary);
        Assert.That(changes["docs/a.txt"], Is.EqualTo("send"));
        Assert.That(changes["gone.txt"], Is.EqualTo("delete"));
        Assert.That(changes["mode.txt"], Is.EqualTo("attrs"));
        Assert.That(changes["docs/" + LongName], Is.EqualTo("send"), "a long name is decoded from its .name file");
        Assert.That(changes, Does.Not.ContainKey("docs/b.txt"), "unchanged files are not listed");
        Assert.That(changes.Keys, Has.None.Contains("?cipher:").And.None.Contains("[long name"));
        Assert.That(summary.GetProperty("changes_truncated").GetBoolean(), Is.False);

        var text = _s.Cli("backup", "--passfile", _s.Passfile, "--snapshots", "--dry-run", _s.Plain, _s.Dest);
        Assert.That(text.ExitCode, Is.EqualTo(0), text.ToString());
        var lines = text.Stdout.Split('\n');
        Assert.That(lines, Does.Contain("    send: docs/a.txt").And.Contain("    delete: gone.txt").And.Contain("    attrs: mode.txt")
            .And.Contain("    send: docs/" + LongName));
        Assert.That(text.Stdout, Does.Contain($"would change {changes.Count} paths:"));

        var (real, realSummary) = _s.Backup(_s.Dest, "--snapshots");
        Assert.That(real.ExitCode, Is.EqualTo(0), real.ToString());
        Assert.That(realSummary.TryGetProperty("changes", out _), Is.False, "only a dry run lists");
    }

    [Test]
    public void DryRun_OverSsh_ListsTheSame()
    {
        using var ssh = new SshServer();
        var (r, summary) = _s.Backup(_s.Remote, "--ssh", ssh.SshCommand, "--dry-run");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(Changes(summary), Does.ContainKey("docs/a.txt").And.ContainKey("mode.txt"));
        Assert.That(Directory.GetFileSystemEntries(_s.Dest).Select(Path.GetFileName), Has.None.EqualTo("gocryptfs.conf").And.None.EqualTo("snapshots"),
            "a dry run sends nothing");
    }
}
