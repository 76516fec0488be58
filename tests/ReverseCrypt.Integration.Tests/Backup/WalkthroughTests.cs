using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// Runs the walkthroughs samples/nightly-backup/README.md and then samples/disaster-recovery/README.md as written: every
/// ```sh block of the Markdown, in order, with only the host name (vps.example.org -> 127.0.0.1) and the port (-p 22 ->
/// the test sshd's) substituted, in the blocks and in the sample's srv.conf. Both "machines" are this one: the blocks
/// run as root in a private mount namespace with empty tmpfs on /srv, /etc/reversecrypt and /restore (fresh ones again
/// for the "new machine"), so the machine's own are not touched; the "VPS" is a real sshd on 127.0.0.1 that reads
/// ~/.ssh/authorized_keys, and its user rcbackup is created by the walkthrough's own adduser (removed afterwards).
/// `reversecrypt` on PATH is the source tree's launcher. A line `&lt;!-- walkthrough: ... --&gt;` before a block says
/// what a person does that a script cannot: skip (with the reason, which the Markdown also shows), save NAME (keep its
/// output: the master key on paper, the public key line), paste NAME (its standard input), type masterkey (each
/// command reads the key from paper on its standard input), exit N (the expected exit code), in DIR (run from that
/// sample's directory); `new machine` on its own line starts the new machine.
/// </summary>
[Category("Mount"), Category("Ssh")]
[Category("TransportAgnostic")] // the walkthroughs' text, run as written
[NonParallelizable]
public partial class WalkthroughTests
{
    private const string User = "rcbackup";
    private static readonly string[] Scratch = ["/srv", "/etc/reversecrypt", "/restore"];

    private readonly List<string> _createdDirs = [];
    private TestDirectory _tmp = null!;
    private Process? _namespace;
    private WalkthroughSshd _sshd = null!;
    private bool _userCreated;
    private string _bin = null!;

    [SetUp]
    public void SetUp()
    {
        Require.Root();
        Require.Fuse();
        foreach (var tool in new[] { "rsync", "ssh", "unshare", "nsenter", "adduser", "deluser", "ssh-keyscan" }) Require.Tool(tool);
        if (Run.Shell($"id {User}").ExitCode == 0)
            Assert.Fail($"the user {User} exists already; the walkthrough creates it (remove it: deluser --remove-home {User})");
        _tmp = new TestDirectory();
        _sshd = new WalkthroughSshd(_tmp.Sub("sshd"));
        _bin = _tmp.Sub("bin");
        File.CreateSymbolicLink(Path.Combine(_bin, "reversecrypt"), Repo.Launcher);
        foreach (var dir in Scratch.Append("/tmp/back"))
        {
            if (dir != "/tmp/back" && !Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir);
                _createdDirs.Add(dir);
            }
        }
        Assert.That(Directory.Exists("/tmp/back"), Is.False, "/tmp/back is where the walkthrough restores one file");
        _namespace = Process.Start(new ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "--", "sleep", "infinity"])
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        })!;
        Thread.Sleep(300);
        Assert.That(_namespace.HasExited, Is.False, "unshare --mount failed");
        NewMachine();
    }

    [TearDown]
    public void TearDown()
    {
        try
        {
            if (_namespace is not null)
            {
                // Everything below /srv etc. in the namespace goes with it; views inside are unmounted first.
                InNamespace("for m in $(findmnt -n -l -o TARGET | grep -E '^/(srv|restore|mnt/plain|run/reversecrypt/.*)' | sort -r); do umount -l \"$m\"; done; true");
                _namespace.Kill();
                _namespace.WaitForExit();
                _namespace.Dispose();
            }
            if (_userCreated || Run.Shell($"id {User}").ExitCode == 0 && Directory.Exists($"/home/{User}/srv"))
            {
                Run.Program("pkill", ["-u", User]);
                Run.Program("deluser", ["--remove-home", User]);
            }
            Run.Program("rm", ["-rf", "/tmp/back"]);
            foreach (var dir in _createdDirs) Run.Program("rmdir", [dir]);
        }
        finally
        {
            _sshd?.Dispose();
            _tmp?.Dispose();
        }
    }

    private ProcessResult InNamespace(string script, string? stdin = null, string? workingDirectory = null) =>
        // setns() into a mount namespace moves the working directory to its root: --wd sets it afterwards.
        Run.Program("nsenter", ["-t", _namespace!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m",
            "--wd=" + (workingDirectory ?? "/"), "--", "bash", "-c", script], stdin, TimeSpan.FromMinutes(5),
            env: new Dictionary<string, string>
            {
                ["PATH"] = $"{_bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                ["HOME"] = "/root",
            });

    /// <summary>Fresh, empty tmpfs on /srv, /etc/reversecrypt and /restore inside the namespace.</summary>
    private void NewMachine()
    {
        var script = string.Join("; ", Scratch.Select(d => $"(umount -l {d} 2>/dev/null; mount -t tmpfs -o mode=0755 tmpfs {d})"));
        var r = InNamespace(script + "; true");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
    }

    private string Substitute(string text) =>
        PortPattern().Replace(text.Replace("vps.example.org", "127.0.0.1", StringComparison.Ordinal), $"-p {_sshd.Port}");

    [GeneratedRegex(@"-p 22\b")]
    private static partial Regex PortPattern();

    [GeneratedRegex(@"[0-9a-f]{8}(?:-[0-9a-f]{8}){7}")]
    private static partial Regex MasterKeyPattern();

    /// <summary>A copy of samples/NAME with the host and port substituted in every file.</summary>
    private string SampleCopy(string name)
    {
        var copy = _tmp.Sub("samples-" + name);
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "samples", name)))
            File.WriteAllText(Path.Combine(copy, Path.GetFileName(file)), Substitute(File.ReadAllText(file)));
        return copy;
    }

    private sealed record Block(int Line, string Code, string? Directive);

    /// <summary>The ```sh blocks of a Markdown file with the walkthrough directive before each; a "new machine"
    /// directive on its own comes as a block without code.</summary>
    private static List<Block> Blocks(string markdown)
    {
        var blocks = new List<Block>();
        var lines = markdown.Split('\n');
        string? directive = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var m = Regex.Match(line, @"^<!-- walkthrough: (.*?) -->$");
            if (m.Success)
            {
                if (m.Groups[1].Value.StartsWith("new machine", StringComparison.Ordinal)) blocks.Add(new Block(i + 1, "", "new machine"));
                else directive = m.Groups[1].Value;
                continue;
            }
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                var language = line[3..].Trim();
                var code = new StringBuilder();
                var start = i + 1;
                for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++) code.Append(lines[i]).Append('\n');
                if (language == "sh") blocks.Add(new Block(start, code.ToString(), directive));
                else Assert.That(directive, Is.Null, $"line {start}: a walkthrough directive before a block that is not ```sh");
                directive = null;
                continue;
            }
            if (line.Length > 0 && directive is not null)
                Assert.Fail($"line {i + 1}: the walkthrough directive '{directive}' is not right before a ```sh block");
        }
        return blocks;
    }

    /// <summary>The commands of a block: lines joined at a trailing backslash, comments and blank lines left out.</summary>
    private static List<string> Commands(string code)
    {
        var commands = new List<string>();
        var current = new StringBuilder();
        foreach (var line in code.Split('\n'))
        {
            if (current.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)) continue;
            if (line.EndsWith('\\'))
            {
                current.Append(line[..^1]).Append(' ');
                continue;
            }
            current.Append(line);
            commands.Add(current.ToString());
            current.Clear();
        }
        return commands;
    }

    /// <summary>Runs every block of samples/NAME/README.md; returns the log of what ran, for the assertions.</summary>
    private void Walk(string name, Dictionary<string, string> saved, StringBuilder log)
    {
        var dir = SampleCopy(name);
        var nightly = Path.Combine(_tmp.Path, "samples-nightly-backup");
        var markdown = File.ReadAllText(Path.Combine(Repo.Root, "samples", name, "README.md"));
        foreach (var block in Blocks(markdown))
        {
            var where = $"samples/{name}/README.md:{block.Line}";
            var directive = block.Directive ?? "";
            if (directive == "new machine")
            {
                NewMachine();
                log.Append($"== {where}: new machine\n");
                continue;
            }
            if (directive.StartsWith("skip: ", StringComparison.Ordinal))
            {
                log.Append($"== {where}: not run ({directive[6..]})\n");
                TestContext.Progress.WriteLine($"{where}: not run: {directive[6..]}");
                continue;
            }
            var code = Substitute(block.Code);
            var expectedExit = directive.StartsWith("exit ", StringComparison.Ordinal) ? int.Parse(directive[5..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            var workingDirectory = directive == "in nightly-backup" ? nightly : dir;
            ProcessResult r;
            if (directive == "type masterkey")
            {
                var output = new StringBuilder();
                var errors = new StringBuilder();
                var code0 = 0;
                foreach (var command in Commands(code))
                {
                    var one = InNamespace(command, saved["masterkey"] + "\n", workingDirectory);
                    output.Append(one.Stdout);
                    errors.Append(one.Stderr);
                    Assert.That(one.ExitCode, Is.EqualTo(0), $"{where}: `{command}` (the master key typed) failed: {one}");
                }
                r = new ProcessResult(code0, output.ToString(), errors.ToString());
            }
            else
            {
                var stdin = directive.StartsWith("paste ", StringComparison.Ordinal) ? saved[directive[6..]] : "";
                r = InNamespace((expectedExit == 0 ? "set -e\n" : "") + code, stdin, workingDirectory);
                Assert.That(r.ExitCode, Is.EqualTo(expectedExit), $"{where} exited {r.ExitCode}, not {expectedExit}:\n{code}\n{r}");
            }
            log.Append($"== {where}: exit {r.ExitCode}\n{r.Stdout}{r.Stderr}");
            TestContext.Progress.WriteLine($"{where}: exit {r.ExitCode}");
            if (directive.StartsWith("save masterkey", StringComparison.Ordinal))
            {
                var key = MasterKeyPattern().Match(r.Stdout);
                Assert.That(key.Success, $"{where}: no master key in the output: {r}");
                saved["masterkey"] = key.Value;
            }
            else if (directive.StartsWith("save ", StringComparison.Ordinal))
            {
                saved[directive[5..].Split(':')[0]] = r.Stdout;
            }
            if (code.Contains("adduser", StringComparison.Ordinal)) _userCreated = true;
        }
    }

    [Test]
    public void NightlyBackup_ThenDisasterRecovery_AsWritten()
    {
        // The server's data: a file the one-file restore fetches, a file of another owner, an excluded cache.
        var fill = InNamespace(
            "mkdir -p /srv/home/ann /srv/cache /srv/www && echo 'the report' > /srv/home/ann/report.odt && "
            + "echo 'owned by 1234' > /srv/www/index.html && chown 1234:1234 /srv/www/index.html && "
            + "echo junk > /srv/cache/junk.bin && ln -s ../www/index.html /srv/home/ann/link");
        Assert.That(fill.ExitCode, Is.EqualTo(0), fill.ToString());
        var saved = new Dictionary<string, string>();
        var log = new StringBuilder();
        try
        {
            Walk("nightly-backup", saved, log);
            var latest = new FileInfo($"/home/{User}/srv/latest").LinkTarget;
            Assert.That(latest, Does.StartWith("snapshots/"), "the nightly walkthrough made a snapshot on the VPS");
            Assert.That(log.ToString(), Does.Contain("OK"), "verify right after the backup says OK");

            Walk("disaster-recovery", saved, log);
            Assert.That(File.ReadAllText("/tmp/back/home/ann/report.odt"), Is.EqualTo("the report\n"), "the one-file restore");
            var restored = InNamespace($"cat /srv/home/ann/report.odt; stat -c %u /srv/www/index.html; id -u {User}; test ! -e /srv/cache/junk.bin");
            Assert.That(restored.ExitCode, Is.EqualTo(0), restored.ToString());
            var lines = restored.Stdout.Split('\n');
            Assert.That(lines[0], Is.EqualTo("the report"));
            Assert.That(lines[1], Is.EqualTo(lines[2]), "with the non-root remote user, a restored file belongs to that user's uid (as the walkthrough says)");
            var text = log.ToString();
            // What the walkthrough says verify reports after the restore and passwd, and no more.
            Assert.That(text, Does.Contain("mtime differs: /").And.Contain("content, mtime differ: [config gocryptfs.conf]")
                .And.Contain("mtime differs: [gocryptfs.diriv]").And.Contain("3 differences"), "verify after passwd");
            Assert.That(text.TrimEnd(), Does.EndWith("OK").Or.Contain("\nOK"), "verify after the next backup says OK");
        }
        finally
        {
            TestContext.Progress.WriteLine(log.ToString());
        }
    }
}

/// <summary>A real sshd on 127.0.0.1 as a VPS has it: users log in by the keys in their ~/.ssh/authorized_keys.</summary>
internal sealed class WalkthroughSshd : IDisposable
{
    private readonly Process _process;

    public WalkthroughSshd(string dir)
    {
        Run.ProgramOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(dir, "host")]);
        Directory.CreateDirectory("/run/sshd");
        Port = SshServer.FreePort();
        var config = Path.Combine(dir, "sshd_config");
        File.WriteAllText(config, $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Path.Combine(dir, "host")}
            PermitRootLogin no
            AuthorizedKeysFile .ssh/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM yes
            PidFile none
            LogLevel ERROR
            """);
        _process = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline && Run.Shell($"ssh-keyscan -p {Port} 127.0.0.1").ExitCode != 0) Thread.Sleep(200);
    }

    public int Port { get; }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
