using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReverseCrypt.Integration.Tests.Backup;

namespace ReverseCrypt.Integration.Tests.Remote;

/// <summary>
/// `snapshots` and `restore --from` end to end against snapshot backups made by `backup --snapshots` over a real sshd on
/// 127.0.0.1 (real view, real rsync). The bytes that cross ssh are counted by ssh itself (its "Transferred:" debug line
/// for every connection, in a log of our own --ssh command).
/// </summary>
[Category("Mount"), Category("Ssh")]
[NonParallelizable]
public partial class RemoteRestoreTests : SshBackupFixture
{
    private const string OldText = "the version of the first snapshot\n";
    private const string NewText = "the version of the second snapshot, longer\n";

    private string _tmp = null!;

    [SetUp]
    public void SetUp() => _tmp = _s.Sub("tmp");

    /// <summary>Runs before the scenario is disposed (<see cref="BackupFixture"/>), which also fails the test when a view
    /// was left mounted.</summary>
    [TearDown]
    public void TearDown()
    {
        var staging = Directory.Exists(_tmp) ? Directory.GetFileSystemEntries(_tmp) : [];
        Assert.That(staging, Is.Empty, "restore --from left its staging directory behind");
    }

    /// <summary>`./reversecrypt ARGS` with TMPDIR (where restore --from stages) pointing into the scenario.</summary>
    private ProcessResult Cli(params string[] args) =>
        Run.Program(Repo.Launcher, args, timeout: TimeSpan.FromMinutes(5), workingDirectory: Repo.Root,
            env: new Dictionary<string, string> { ["RUNTIME_DIRECTORY"] = _s.Runtime, ["TMPDIR"] = _tmp });

    private string SnapshotBackup()
    {
        var (r, summary) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        return summary.GetProperty("snapshot").GetString()!;
    }

    [Category("TransportAgnostic")] // the listing of snapshots over ssh, not of a mount
    [Test]
    public void Snapshots_ListsExactlyTheSnapshots_MarksIncompleteAndLatest()
    {
        File.WriteAllText(Path.Combine(_s.Plain, "file"), OldText);
        _s.Init();
        var first = SnapshotBackup();
        var second = SnapshotBackup();
        // What an interrupted third run leaves, and a directory that is no snapshot.
        var interrupted = DateTime.UtcNow.AddMinutes(5).ToString("yyyy-MM-dd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Directory.CreateDirectory(Path.Combine(_s.Snapshots, interrupted + ".incomplete"));
        Directory.CreateDirectory(Path.Combine(_s.Snapshots, "not-a-snapshot"));
        // latest still names the second run; make the first one latest to see that the mark follows the link.
        Run.Ok($"ln -sfn snapshots/{first} {Run.Quote(Path.Combine(_s.Dest, "latest"))}");

        var text = Cli("snapshots", "--ssh", _ssh.SshCommand, _s.Remote);
        Assert.That(text.ExitCode, Is.EqualTo(0), text.ToString());
        var lines = text.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(4), text.Stdout);
        Assert.That(lines[1], Does.Match($@"^{first}\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s+complete\s+latest$"));
        Assert.That(lines[2], Does.Match($@"^{second}\s+\S+ \S+\s+complete$"));
        Assert.That(lines[3], Does.Match($@"^{interrupted}\s+\S+ \S+\s+incomplete$"));

        var json = Cli("snapshots", "--json", "--ssh", _ssh.SshCommand, _s.Remote);
        Assert.That(json.ExitCode, Is.EqualTo(0), json.ToString());
        var array = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.That(array.GetArrayLength(), Is.EqualTo(3));
        var entries = array.EnumerateArray().Select(e => (
            e.GetProperty("name").GetString(), e.GetProperty("complete").GetBoolean(), e.GetProperty("latest").GetBoolean(),
            e.GetProperty("path").GetString(), e.GetProperty("time").GetString())).ToList();
        Assert.That(entries[0], Is.EqualTo((first, true, true, "snapshots/" + first, ToIso(first))));
        Assert.That(entries[1], Is.EqualTo((second, true, false, "snapshots/" + second, ToIso(second))));
        Assert.That(entries[2], Is.EqualTo((interrupted, false, false, $"snapshots/{interrupted}.incomplete", ToIso(interrupted))));

        // The same destination read locally gives the same listing.
        var local = Cli("snapshots", "--json", _s.Dest);
        Assert.That(local.Stdout, Is.EqualTo(json.Stdout), local.ToString());
    }

    private static string ToIso(string name) =>
        $"{name[..13]}:{name[13..15]}:{name[15..17]}Z";

    [Category("TransportAgnostic")] // error messages and exit codes
    [Test]
    public void Snapshots_ClearErrors_ForEmptyMissingPlainAndUnreachable()
    {
        var empty = Cli("snapshots", "--ssh", _ssh.SshCommand, _s.Remote);
        Assert.That(empty.ExitCode, Is.EqualTo(46), empty.ToString());
        Assert.That(empty.Stderr, Does.Contain("is empty"));

        var missing = Cli("snapshots", "--ssh", _ssh.SshCommand, _s.Remote + "/nothing-here");
        Assert.That(missing.ExitCode, Is.EqualTo(20), missing.ToString());
        Assert.That(missing.Stderr, Does.Contain("no such directory"));

        File.WriteAllText(Path.Combine(_s.Dest, "gocryptfs.conf"), "{}");
        var plain = Cli("snapshots", "--json", "--ssh", _ssh.SshCommand, _s.Remote);
        Assert.That(plain.ExitCode, Is.EqualTo(46), plain.ToString());
        Assert.That(plain.Stdout.Trim(), Is.EqualTo("[]"));
        Assert.That(plain.Stderr, Does.Contain("plain copy without snapshots"));

        var unreachable = Cli("snapshots", "--ssh", SshServer.UnreachableSshCommand(SshServer.FreePort()), _s.Remote);
        Assert.That(unreachable.ExitCode, Is.EqualTo(41), unreachable.ToString());
        Assert.That(unreachable.Stderr, Does.Contain("cannot reach root@127.0.0.1"));
    }

    [Test]
    public void RestoreFrom_OneSmallFileOfAnOlderSnapshot_Of200MiB_BringsThatVersion_MovesUnder1MiB()
    {
        Directory.CreateDirectory(Path.Combine(_s.Plain, "data"));
        Directory.CreateDirectory(Path.Combine(_s.Plain, "notes"));
        Run.Ok($"cd {Run.Quote(_s.Plain)} && head -c {180 << 20} /dev/urandom > data/big.bin && head -c {20 << 20} /dev/urandom > top.bin"
            + " && head -c 120000 /dev/urandom | base64 > notes/report.txt");
        var small = Path.Combine(_s.Plain, "notes", "report.txt");
        File.AppendAllText(small, OldText);
        File.SetLastWriteTimeUtc(small, new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        var oldBytes = File.ReadAllBytes(small);
        _s.Init();
        var first = SnapshotBackup();
        File.WriteAllText(small, NewText);
        SnapshotBackup();

        var log = Path.Combine(_s.Root, "ssh.log");
        var target = Path.Combine(_s.Root, "restored");
        var r = Cli("restore", "--passfile", _s.Passfile, "--ssh", CountingSsh(log), "--from", _s.Remote, "--snapshot", first,
            "--path", "notes/report.txt", target);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var restored = Path.Combine(target, "notes", "report.txt");
        Assert.That(File.ReadAllBytes(restored), Is.EqualTo(oldBytes), "the first snapshot's version");
        Assert.That(File.GetLastWriteTimeUtc(restored), Is.EqualTo(new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc)));
        Assert.That(Directory.GetFileSystemEntries(target, "*", SearchOption.AllDirectories), Has.Length.EqualTo(2),
            "only the file and its directory");

        var (connections, bytes) = SshTraffic(log);
        TestContext.Out.WriteLine($"restore --from of one {oldBytes.Length}-byte file: {connections} ssh connections, {bytes} bytes");
        Assert.That(connections, Is.GreaterThanOrEqualTo(2), "the probe and at least one rsync went through the counting ssh");
        Assert.That(bytes, Is.GreaterThan(oldBytes.Length), "the file itself crossed ssh (the count is real)");
        Assert.That(bytes, Is.LessThan(1 << 20), "one small file of a 200 MiB backup moves less than 1 MiB");
    }

    /// <summary>An --ssh command that logs in like <see cref="SshServer.SshCommand"/> and has ssh log its debug lines
    /// (among them "Transferred: sent N, received M bytes" per connection) to <paramref name="log"/>.</summary>
    private string CountingSsh(string log) =>
        $"ssh -i {_ssh.ClientKey} -p {_ssh.Port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes -v -E {log}";

    private static (int Connections, long Bytes) SshTraffic(string log)
    {
        var matches = TransferredRegex().Matches(File.ReadAllText(log));
        return (matches.Count, matches.Sum(m => long.Parse(m.Groups[1].Value) + long.Parse(m.Groups[2].Value)));
    }

    [GeneratedRegex(@"Transferred: sent (\d+), received (\d+) bytes")]
    private static partial Regex TransferredRegex();

    [Test]
    public void RestoreFrom_Directory_HardLinks_NonUtf8And255ByteNames_RestoreExactly()
    {
        Require.Root();
        var docs = _s.Sub("plain/docs");
        HardCaseScript.Create(docs, "");
        File.WriteAllText(Path.Combine(_s.Plain, "elsewhere"), "not asked for\n");
        _s.Init();
        SnapshotBackup();

        var whole = Path.Combine(_s.Root, "whole");
        // The hard cases hold device nodes and a FIFO: created only with --devices.
        var r = Cli("restore", "--devices", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, "--from", _s.Remote, "--path", "docs", whole);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(BackupTree.Differences(docs, Path.Combine(whole, "docs")), Is.Empty, "the directory restores exactly");
        Assert.That(File.Exists(Path.Combine(whole, "elsewhere")), Is.False);
        Assert.That(Ino(Path.Combine(whole, "docs/hard1")), Is.EqualTo(Ino(Path.Combine(whole, "docs/sub/hard3"))), "hard links stay linked");

        var single = Path.Combine(_s.Root, "single");
        var longName = new string('c', 255);
        var longDir = new string('d', 200) + "/" + new string('e', 180);
        r = Cli("restore", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, "--from", _s.Remote,
            "--path", @"docs/\xff\xfe\x80 not utf8", "--path", "docs/" + longName, "--path", "docs/" + longDir,
            "--path", "docs/hard1", "--path", "docs/hard2", single);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var nonUtf8 = Encoding.Latin1.GetString([.. Encoding.ASCII.GetBytes(single + "/docs/"), 0xff, 0xfe, 0x80, .. " not utf8"u8]);
        Assert.That(Run.Ok($"cat {Run.Quote(single)}/docs/$'\\xff\\xfe\\x80 not utf8'"), Is.EqualTo("invalid\n"), nonUtf8);
        Assert.That(File.ReadAllText(Path.Combine(single, "docs", longName)), Is.EqualTo("z"));
        Assert.That(File.ReadAllText(Path.Combine(single, "docs", longDir)), Is.EqualTo("in a long-named directory\n"));
        Assert.That(Ino(Path.Combine(single, "docs/hard1")), Is.EqualTo(Ino(Path.Combine(single, "docs/hard2"))),
            "a hard-linked pair asked for together stays linked");
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(single, "docs")), Has.Length.EqualTo(5), "only what was asked for");
    }

    private static string Ino(string path) => Run.Ok($"stat -c %i {Run.Quote(path)}").Trim();

    [Category("TransportAgnostic")] // error messages and exit codes
    [Test]
    public void RestoreFrom_WrongSnapshotOrPath_ClearErrorAndExit46_NothingWritten()
    {
        File.WriteAllText(Path.Combine(_s.Plain, "file"), OldText);
        _s.Init();
        var snapshot = SnapshotBackup();
        var target = Path.Combine(_s.Root, "target");

        var wrongName = Cli("restore", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, "--from", _s.Remote,
            "--snapshot", "2001-01-01T000000Z", "--path", "file", target);
        Assert.That(wrongName.ExitCode, Is.EqualTo(46), wrongName.ToString());
        Assert.That(wrongName.Stderr, Does.Contain("no snapshot 2001-01-01T000000Z on " + _s.Remote).And.Contain(snapshot));

        var wrongPath = Cli("restore", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, "--from", _s.Remote,
            "--path", "file", "--path", "dir/missing", target);
        Assert.That(wrongPath.ExitCode, Is.EqualTo(46), wrongPath.ToString());
        Assert.That(wrongPath.Stderr.Trim(), Does.EndWith($"dir/missing is not in snapshot {snapshot} on {_s.Remote}"));

        Directory.CreateDirectory(Path.Combine(_s.Snapshots, "2099-01-01T000000Z.incomplete"));
        var incomplete = Cli("restore", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, "--from", _s.Remote,
            "--snapshot", "2099-01-01T000000Z", target);
        Assert.That(incomplete.ExitCode, Is.EqualTo(46), incomplete.ToString());
        Assert.That(incomplete.Stderr, Does.Contain("snapshot 2099-01-01T000000Z on " + _s.Remote + " is incomplete"));

        var both = Cli("restore", "--passfile", _s.Passfile, "--from", _s.Dest, "plain-copy", target);
        Assert.That(both.ExitCode, Is.EqualTo(2), both.ToString());
        Assert.That(Directory.Exists(target), Is.False, "nothing was restored");
    }

    [Test]
    public void RestoreFrom_PlainGocryptfsCopy_WithRandomDirivs_FindsTheNamesRoundByRound()
    {
        // A forward gocryptfs filesystem: its dirivs are random, so the path-derived names of reverse mode are wrong below
        // the root and every directory level costs one more rsync run.
        var copy = _s.Sub("dest/copy");
        var passfile = Gocryptfs.PassFile(copy);
        var init = Run.Program("gocryptfs", ["-init", "-q", "-aessiv", "-scryptn", "10", "-passfile", passfile, copy]);
        Assert.That(init.ExitCode, Is.EqualTo(0), init.ToString());
        var mnt = _s.Sub("mnt");
        Gocryptfs.Mount(["-passfile", passfile], copy, mnt);
        try
        {
            Run.Ok($"cd {Run.Quote(mnt)} && mkdir -p a/b/c && echo deep > a/b/c/file && echo other > a/other && head -c 3000000 /dev/urandom > a/b/big");
        }
        finally
        {
            Gocryptfs.Unmount(mnt);
        }

        var log = Path.Combine(_s.Root, "ssh.log");
        var target = Path.Combine(_s.Root, "target");
        var r = Cli("restore", "--passfile", passfile, "--ssh", CountingSsh(log), "--from", "root@127.0.0.1:" + copy, "--path", "a/b/c/file", target);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(File.ReadAllText(Path.Combine(target, "a/b/c/file")), Is.EqualTo("deep\n"));
        Assert.That(r.Stderr, Does.Contain($"root@127.0.0.1:{copy}: fetched").And.Contain("in 5 rsync runs"),
            "config, then one run per level whose diriv was not known yet");
        Assert.That(File.Exists(Path.Combine(target, "a/other")), Is.False);
        Assert.That(SshTraffic(log).Bytes, Is.LessThan(1 << 20), "the 3 MB file next to the path stayed on the remote");

        var missing = Cli("restore", "--passfile", passfile, "--ssh", _ssh.SshCommand, "--from", "root@127.0.0.1:" + copy,
            "--path", "a/b/nothing", Path.Combine(_s.Root, "t2"));
        Assert.That(missing.ExitCode, Is.EqualTo(46), missing.ToString());
        Assert.That(missing.Stderr, Does.Contain($"a/b/nothing is not in root@127.0.0.1:{copy}"));
    }

    [Category("TransportAgnostic")] // which config or key opens a snapshot
    [Test]
    public void RestoreFrom_OldSnapshotAfterPasswd_SaysSo_ConfigOrMasterkeyOpenIt()
    {
        File.WriteAllText(Path.Combine(_s.Plain, "file"), OldText);
        _s.Init();
        var old = SnapshotBackup();
        var newPassfile = Path.Combine(_s.Root, "new-passfile");
        File.WriteAllText(newPassfile, "the new password\n");
        var passwd = Cli("passwd", "--passfile", _s.Passfile, "--new-passfile", newPassfile, _s.Plain);
        Assert.That(passwd.ExitCode, Is.EqualTo(0), passwd.ToString());
        File.WriteAllText(Path.Combine(_s.Plain, "file"), NewText);
        var r2 = Cli("backup", "--snapshots", "--ssh", _ssh.SshCommand, "--passfile", newPassfile, _s.Plain, _s.Remote);
        Assert.That(r2.ExitCode, Is.EqualTo(0), r2.ToString());

        var target = Path.Combine(_s.Root, "target");
        var refused = Cli("restore", "--passfile", newPassfile, "--ssh", _ssh.SshCommand, "--from", _s.Remote, "--snapshot", old,
            "--path", "file", target);
        Assert.That(refused.ExitCode, Is.EqualTo(12), refused.ToString());
        Assert.That(refused.Stderr, Does.Contain($"does not open the config of snapshot {old}").And.Contain("--config").And.Contain("--masterkey"));

        var withConfig = Cli("restore", "--passfile", newPassfile, "--config", Path.Combine(_s.Plain, ".gocryptfs.reverse.conf"),
            "--ssh", _ssh.SshCommand, "--from", _s.Remote, "--snapshot", old, "--path", "file", target);
        Assert.That(withConfig.ExitCode, Is.EqualTo(0), withConfig.ToString());
        Assert.That(File.ReadAllText(Path.Combine(target, "file")), Is.EqualTo(OldText));

        var key = Cli("masterkey", "--passfile", newPassfile, _s.Plain).Stdout.Trim();
        var viaStdin = Run.Program(Repo.Launcher, ["restore", "--masterkey", "stdin", "--ssh", _ssh.SshCommand, "--from", _s.Remote,
            "--snapshot", old, "--path", "file", Path.Combine(_s.Root, "via-stdin")], stdin: key + "\n", workingDirectory: Repo.Root,
            env: new Dictionary<string, string> { ["TMPDIR"] = _tmp });
        Assert.That(viaStdin.ExitCode, Is.EqualTo(0), viaStdin.ToString());
        Assert.That(File.ReadAllText(Path.Combine(_s.Root, "via-stdin", "file")), Is.EqualTo(OldText));
    }

    [Category("TransportAgnostic")] // the terminal prompt
    [Test]
    public void MasterkeyStdin_OnATerminal_PromptsWithoutEcho()
    {
        Require.Tool("script");
        File.WriteAllText(Path.Combine(_s.Plain, "file"), OldText);
        _s.Init();
        SnapshotBackup();
        var key = Cli("masterkey", "--passfile", _s.Passfile, _s.Plain).Stdout.Trim();
        Assert.That(key, Does.Match("^[0-9a-f-]{64,}$"));
        var target = Path.Combine(_s.Root, "target");
        var command = string.Join(' ', new[] { Repo.Launcher, "restore", "--masterkey", "stdin", "--from", _s.Dest, "--path", "file", target }
            .Select(Run.Quote));
        // script(1) runs the command on a new pseudo-terminal; the key is typed only once the prompt is there.
        var psi = new ProcessStartInfo("script", ["-qefc", command, "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        var reader = Task.Run(() =>
        {
            int c;
            while ((c = p.StandardOutput.Read()) >= 0) lock (output) output.Append((char)c);
        });
        string Seen() { lock (output) return output.ToString(); }
        try
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!Seen().Contains("Master key: ", StringComparison.Ordinal) && !p.HasExited && DateTime.UtcNow < deadline)
                Thread.Sleep(50);
            Assert.That(Seen(), Does.Contain("Master key: "), "no prompt on the terminal");
            var beforeKey = Seen().Length;
            p.StandardInput.Write(key + "\r");
            p.StandardInput.Flush();
            Assert.That(p.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, "restore did not finish: " + Seen());
            reader.Wait(TimeSpan.FromSeconds(10));
            Assert.That(p.ExitCode, Is.EqualTo(0), Seen());
            Assert.That(Seen()[beforeKey..], Does.Not.Contain(key[..16]), "the key was echoed");
            Assert.That(File.ReadAllText(Path.Combine(target, "file")), Is.EqualTo(OldText));
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
        }
    }
}

/// <summary>The new exit code and commands are documented everywhere the tables are.</summary>
public class RemoteDocumentationTests
{
    [Test]
    public void ExitCode46_AndTheNewCommands_AreInTheHelpTheReadmeAndTheManPage()
    {
        var help = Run.Cli("--help");
        Assert.That(help.Stdout + help.Stderr, Does.Contain(" 46  no such snapshot or path in the backup").And.Contain("snapshots"));
        var restoreHelp = Run.Cli("restore", "--help");
        Assert.That(restoreHelp.Stdout, Does.Contain("--from").And.Contain("--snapshot").And.Contain("--ssh"));
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        Assert.That(readme, Does.Contain("| 46 | `NotInBackup` | no such snapshot or path in the backup, or no snapshots at all |")
            .And.Contain("| `snapshots [--ssh CMD] [--json] DEST` |").And.Contain("| `restore --from DEST"));
        var man = File.ReadAllText(Path.Combine(Repo.Root, "packaging", "man", "reversecrypt.1"));
        Assert.That(man, Does.Contain(".B 46\nno such snapshot or path in the backup").And.Contain(".B reversecrypt snapshots")
            .And.Contain(".B \\-\\-from"));
        Assert.That(File.ReadAllText(Path.Combine(Repo.Root, "samples", "disaster-recovery", "README.md")),
            Does.Contain("reversecrypt restore --passfile").And.Contain("--from rcbackup@vps.example.org:srv"));
    }
}
