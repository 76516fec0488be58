using System.Diagnostics;
using System.Text.Json;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// One plaintext tree with its config, a destination directory, and a private runtime directory for the views
/// (RUNTIME_DIRECTORY), so that a test can tell that its view is unmounted. Runs `./reversecrypt backup|verify`.
/// </summary>
public sealed class BackupScenario : IDisposable
{
    public const string Password = "backup test password";

    private readonly TestDirectory _tmp = new();

    public BackupScenario()
    {
        Require.Tool("rsync");
        Require.Fuse();
        Plain = _tmp.Sub("plain");
        Dest = _tmp.Sub("dest");
        Runtime = _tmp.Sub("run");
        Passfile = _tmp.File("passfile", Password + "\n");
    }

    public string Root => _tmp.Path;

    public string Plain { get; }

    /// <summary>The destination directory (reached over ssh as root@127.0.0.1:Dest, or locally).</summary>
    public string Dest { get; }

    /// <summary>Where backup and verify mount their views (RUNTIME_DIRECTORY).</summary>
    public string Runtime { get; }

    public string Passfile { get; }

    public string Sub(string name) => _tmp.Sub(name);

    public void Init()
    {
        var r = Run.Cli("init", "--reverse", "--scryptn", "10", "--passfile", Passfile, Plain);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
    }

    public string Remote => "root@127.0.0.1:" + Dest;

    /// <summary>The manifests of change-driven runs (REVERSECRYPT_STATE_DIR), private to the test.</summary>
    public string State => Path.Combine(Root, "state");

    public IDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["RUNTIME_DIRECTORY"] = Runtime,
        [ReverseCrypt.Operations.Backup.ManifestFile.DirectoryVariable] = State,
    };

    /// <summary>Runs `./reversecrypt ARGS` with the private runtime directory.</summary>
    public ProcessResult Cli(params string[] args) =>
        Run.Program(Repo.Launcher, args, env: Environment, timeout: TimeSpan.FromMinutes(5), workingDirectory: Repo.Root);

    /// <summary>`backup --json --passfile P ARGS PLAIN DEST` with the summary parsed.</summary>
    public (ProcessResult Result, JsonElement Summary) Backup(string destination, params string[] options)
    {
        var r = Cli(["backup", "--json", "--passfile", Passfile, .. options, Plain, destination]);
        var json = r.Stdout.Trim();
        Assert.That(json, Does.StartWith("{"), "no JSON summary: " + r);
        return (r, JsonDocument.Parse(json).RootElement.Clone());
    }

    /// <summary>Starts `./reversecrypt backup ...` without waiting (for signal tests).</summary>
    public Process StartBackup(params string[] args) =>
        Run.StartCli(["backup", "--json", "--passfile", Passfile, .. args], Environment);

    /// <summary>FUSE mounts below the private runtime directory (the views of backup and verify).</summary>
    public IReadOnlyList<string> ViewMounts => Mounts.FuseMountsBelow(Runtime);

    /// <summary>An rsync below the run has a regular file of the mounted view open (/proc/PID/fd).</summary>
    public bool RsyncReadsAViewFile(Process run)
    {
        var views = ViewMounts;
        foreach (var pid in ProcessTree.Descendants(run.Id).Where(pid => ProcessTree.Command(pid) == "rsync"))
        {
            try
            {
                foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && views.Any(m => target.StartsWith(m + "/", StringComparison.Ordinal)) && File.Exists(target))
                    {
                        return true;
                    }
                }
            }
            catch (IOException)
            {
                // The process or the descriptor is gone meanwhile.
            }
        }
        return false;
    }

    public string Snapshots => Path.Combine(Dest, "snapshots");

    /// <summary>The target of DEST/latest, or null.</summary>
    public string? Latest => File.Exists(Path.Combine(Dest, "latest")) || Directory.Exists(Path.Combine(Dest, "latest"))
        ? new FileInfo(Path.Combine(Dest, "latest")).LinkTarget
        : null;

    public string[] SnapshotNames => Directory.Exists(Snapshots)
        ? [.. Directory.GetDirectories(Snapshots).Select(Path.GetFileName).Order(StringComparer.Ordinal)!]
        : [];

    /// <summary>"Restores" a backup the independent way: mounts it with gocryptfs -ro and copies it out with rsync.</summary>
    public string RestoreWithGocryptfs(string cipherDir, string name)
    {
        var mnt = _tmp.Sub("mnt-" + name);
        var target = _tmp.Sub("restored-" + name);
        Gocryptfs.Mount(["-ro", "-passfile", Passfile], cipherDir, mnt);
        try
        {
            // Nanosecond times: with whole seconds a directory created in the same second as its source kept its own.
            var r = Run.Program("rsync", ["-aHAX", "--numeric-ids", "--modify-window=-1", mnt + "/", target + "/"], timeout: TimeSpan.FromMinutes(5));
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        }
        finally
        {
            Gocryptfs.Unmount(mnt);
        }
        return target;
    }

    public void Dispose() => _tmp.Dispose();

    /// <summary>Disposes the scenario; fails the test when backup or verify left its view mounted.</summary>
    public void DisposeExpectingNoViewLeft()
    {
        var left = ViewMounts;
        Dispose();
        Assert.That(left, Is.Empty, "backup left its view mounted");
    }
}
