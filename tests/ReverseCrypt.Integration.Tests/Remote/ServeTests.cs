using System.Text.Json;
using ReverseCrypt.Integration.Tests.Backup;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Integration.Tests.Remote;

/// <summary>
/// <c>reversecrypt serve</c> as the forced command of a key in a real sshd's authorized_keys (127.0.0.1): through
/// <c>serve --append-only</c> backups, a resumed one, verify, snapshots and restore --from work, while the same key
/// cannot delete or change a committed snapshot (the oldest still restores exactly, by the independent manifest);
/// without --append-only serve still confines everything to DEST and retention works; prune on the remote applies
/// retention.
/// </summary>
[Category("Mount"), Category("Ssh")]
[NonParallelizable]
public class ServeTests : SshBackupFixture
{
    private string Host => "root@127.0.0.1";

    private string Serve(bool appendOnly) =>
        _ssh.ForcedCommandKey($"{Repo.Launcher} serve {(appendOnly ? "--append-only " : "")}{_s.Dest}");

    /// <summary>`ssh HOST COMMAND` with the key <paramref name="ssh"/>.</summary>
    private static ProcessResult Ssh(string ssh, string command) => Run.Shell($"{ssh} root@127.0.0.1 {Run.Quote(command)}");

    private static ProcessResult Rsync(string ssh, params string[] args) =>
        Run.Program("rsync", ["-e", ssh, .. args], timeout: TimeSpan.FromMinutes(2));

    private string Manifest(string dir) => Run.ProgramOk("python3", [TreeManifest.Script, dir]).Stdout;

    [Test]
    public void AppendOnly_BackupsResumeVerifyRestoreWork_TheSameKeyCannotDeleteOrChangeACommittedSnapshot()
    {
        MountLoop("xfs", _s.Dest);
        var ssh = Serve(appendOnly: true);
        // Not BackupTree.CreateHardCases: on XFS verify reports its file with a POSIX ACL and security.label as
        // differing also with plain ssh (not serve's; reported separately).
        Run.ProgramOk("sh", ["-c", """
            set -e
            mkdir -p data notes deep/a/b
            head -c 300000 /dev/urandom > data/blob.bin
            echo one > notes/changed.txt
            echo deep > deep/a/b/file
            ln data/blob.bin data/hardlink.bin
            ln -s ../notes/changed.txt deep/link
            setfattr -n user.note -v kept notes/changed.txt
            chmod 640 notes/changed.txt
            """], workingDirectory: _s.Plain);
        _s.Init();

        var (first, summary1) = _s.Backup(_s.Remote, "--snapshots", "--ssh", ssh);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var oldest = summary1.GetProperty("snapshot").GetString()!;
        var plain1 = _s.Sub("plain1");
        Run.ProgramOk("rsync", ["-aHAX", "--numeric-ids", _s.Plain + "/", plain1 + "/"]);
        var oldestDir = Path.Combine(_s.Snapshots, oldest);
        var oldestManifest = Manifest(oldestDir);
        var verify = _s.Cli("verify", "--passfile", _s.Passfile, "--ssh", ssh, _s.Plain, _s.Remote);
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());

        File.AppendAllText(Path.Combine(_s.Plain, "notes", "changed.txt"), "second run\n");
        var (second, summary2) = _s.Backup(_s.Remote, "--snapshots", "--ssh", ssh);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(summary2.GetProperty("snapshot_mode").GetString(), Is.EqualTo("reflink"), second.Stdout);
        // A change-driven run asks for a linked begin (a hard-link copy); append-only serve makes it a whole reflink copy.
        Assert.That(summary2.GetProperty("run").GetString(), Is.EqualTo("incremental"), second.Stdout);
        Assert.That(summary2.GetProperty("snapshot_start").GetString(), Is.EqualTo("copy"), second.Stdout);

        // An interrupted run, resumed by the next (which also asks for retention: refused, named as prune's job).
        Assert.That(Run.Shell($"head -c 24M /dev/urandom > '{_s.Plain}/data/new-large.bin'").ExitCode, Is.EqualTo(0));
        using (var process = _s.StartBackup("--snapshots", "--bwlimit", "1M", "--ssh", ssh, _s.Plain, _s.Remote))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (DateTime.UtcNow < deadline && !process.HasExited && !(_s.ViewMounts.Count == 1 && TempBytes() > (2 << 20)))
                Thread.Sleep(100);
            Assert.That(process.HasExited, Is.False, "the backup ended before it could be interrupted");
            Assert.That(Libc.Kill(process.Id, Libc.SIGTERM), Is.EqualTo(0));
            Assert.That(process.WaitForExit(60_000), Is.True);
            Assert.That(process.ExitCode, Is.EqualTo(130), process.StandardError.ReadToEnd());
        }
        var (resumed, summary3) = _s.Backup(_s.Remote, "--snapshots", "--keep-last", "1", "--ssh", ssh);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(summary3.GetProperty("resumed_from").ValueKind, Is.EqualTo(JsonValueKind.String), resumed.Stdout);
        Assert.That(resumed.Stderr + resumed.Stdout, Does.Contain("reversecrypt prune"), "retention is refused with a message naming prune");
        var names = _s.SnapshotNames;
        Assert.That(names, Has.Length.EqualTo(3), "nothing was deleted through serve --append-only");
        Assert.That(names.Any(n => n.EndsWith(".incomplete", StringComparison.Ordinal)), Is.False);

        var list = _s.Cli("snapshots", "--ssh", ssh, _s.Remote);
        Assert.That(list.ExitCode, Is.EqualTo(0), list.ToString());
        Assert.That(list.Stdout, Does.Contain(oldest));

        // The same key, used by an intruder.
        var empty = _s.Sub("empty");
        var evil = Path.Combine(_s.Sub("evil"), "x");
        File.WriteAllText(evil, "evil\n");
        var committedFile = Directory.GetFiles(oldestDir, "*", SearchOption.AllDirectories)
            .First(f => !f.EndsWith("gocryptfs.conf", StringComparison.Ordinal) && new FileInfo(f).Length > 0);
        var attacks = new List<(string What, ProcessResult Result)>
        {
            ("rm -rf", Ssh(ssh, $"rm -rf {_s.Snapshots}")),
            ("sh -c rm", Ssh(ssh, $"sh -c 'rm -rf {_s.Snapshots}'")),
            ("delete step", Ssh(ssh, $"sh -c x reversecrypt-op delete {oldest}")),
            ("rsync --delete onto a snapshot", Rsync(ssh, "-a", "--delete", empty + "/", $"{Host}:{oldestDir}/")),
            ("rsync --delete onto DEST", Rsync(ssh, "-a", "--delete", empty + "/", $"{Host}:{_s.Dest}/")),
            ("rsync over a committed file", Rsync(ssh, "-a", evil, $"{Host}:{committedFile}")),
            ("rsync --inplace over a committed file", Rsync(ssh, "-a", "--inplace", evil, $"{Host}:{committedFile}")),
            ("'..' in the target", Rsync(ssh, "-a", "--delete", empty + "/", $"{Host}:{_s.Snapshots}/2030-01-01T000000Z.incomplete/../{oldest}/")),
            ("rsync --link-dest", Rsync(ssh, "-a", $"--link-dest=../{oldest}", empty + "/", $"{Host}:{_s.Snapshots}/2030-01-01T000000Z.incomplete/")),
            ("rsync --log-file", Rsync(ssh, "-a", $"--remote-option=--log-file={committedFile}", empty + "/", $"{Host}:{_s.Snapshots}/2030-01-01T000000Z.incomplete/")),
            ("rsync outside DEST", Rsync(ssh, "-a", empty + "/", $"{Host}:{_s.Sub("elsewhere")}/")),
        };
        // A symlink planted in a new incomplete snapshot (allowed: it is not committed), then used as a target path.
        Assert.That(Ssh(ssh, "sh -c x reversecrypt-op begin 2030-01-01T000000Z - reflink -").ExitCode, Is.EqualTo(0));
        var planted = Path.Combine(_s.Sub("planted"), "lnk");
        File.CreateSymbolicLink(planted, $"../{oldest}");
        var plant = Rsync(ssh, "-a", planted, $"{Host}:{_s.Snapshots}/2030-01-01T000000Z.incomplete/");
        Assert.That(plant.ExitCode, Is.EqualTo(0), "rsync into an incomplete snapshot works: " + plant);
        attacks.Add(("rsync through a planted symlink", Rsync(ssh, "-a", "--delete", empty + "/", $"{Host}:{_s.Snapshots}/2030-01-01T000000Z.incomplete/lnk/")));
        attacks.Add(("keep step through a planted symlink", Ssh(ssh, "sh -c x reversecrypt-op keep 2030-01-01T000000Z - reflink lnk/gocryptfs.diriv")));
        attacks.Add(("a mirror's step", Ssh(ssh, "sh -c x reversecrypt-op ensure")));
        foreach (var (what, result) in attacks)
        {
            Assert.That(result.ExitCode, Is.Not.EqualTo(0), $"{what} must fail through serve --append-only: {result}");
            Assert.That(result.Stderr, Does.Contain("reversecrypt: serve: "), $"{what}: serve refused it, with its reason: {result}");
        }
        Assert.That(attacks[0].Result.Stderr, Does.Contain("refused"), attacks[0].Result.ToString());
        Assert.That(attacks[2].Result.Stderr, Does.Contain("reversecrypt prune"), attacks[2].Result.ToString());
        Assert.That(attacks[^3].Result.Stderr, Does.Contain("symlink"), attacks[^3].Result.ToString());
        Assert.That(attacks[^1].Result.Stderr, Does.Contain("--snapshots"), attacks[^1].Result.ToString());

        Assert.That(Manifest(oldestDir), Is.EqualTo(oldestManifest), "the oldest snapshot is unchanged, byte for byte and in its metadata");
        var target = Path.Combine(_s.Root, "restored-from");
        var restore = _s.Cli("restore", "--devices", "--passfile", _s.Passfile, "--ssh", ssh, "--from", _s.Remote, "--snapshot", oldest, target);
        Assert.That(restore.ExitCode, Is.EqualTo(0), restore.ToString());
        Assert.That(BackupTree.Differences(plain1, target), Is.Empty, "the oldest snapshot restores exactly through serve");

        // Retention is the remote's own job.
        Assert.That(Run.Program("rm", ["-rf", "--", Path.Combine(_s.Snapshots, "2030-01-01T000000Z.incomplete")]).ExitCode, Is.Zero);
        var prune = _s.Cli("prune", "--keep-last", "1", _s.Dest);
        Assert.That(prune.ExitCode, Is.EqualTo(0), prune.ToString());
        Assert.That(_s.SnapshotNames, Is.EqualTo(new[] { _s.Latest!["snapshots/".Length..] }), prune.Stdout);

        long TempBytes()
        {
            var du = Run.Shell($"du -sbc '{_s.Snapshots}'/*.incomplete '{_s.Dest}/.reversecrypt/tmp' 2>/dev/null | tail -n1 | cut -f1");
            return long.TryParse(du.Stdout.Trim(), out var bytes) ? bytes : 0;
        }
    }

    [Category("TransportAgnostic")] // serve's rules and retention; the append-only test reads through the view
    [Test]
    public void WithoutAppendOnly_ConfinedToDest_RetentionWorks_AndAppendOnlyRefusesAHardlinkDestination()
    {
        var ssh = Serve(appendOnly: false);
        File.WriteAllText(Path.Combine(_s.Plain, "a.txt"), "a\n");
        _s.Init();
        var (first, _) = _s.Backup(_s.Remote, "--snapshots", "--ssh", ssh, "--now", "2026-01-01T00:00:00Z");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        File.WriteAllText(Path.Combine(_s.Plain, "a.txt"), "b\n");
        var (second, summary) = _s.Backup(_s.Remote, "--snapshots", "--keep-last", "1", "--ssh", ssh, "--now", "2026-01-02T00:00:00Z");
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(summary.GetProperty("snapshot_mode").GetString(), Is.EqualTo("hardlink"));
        Assert.That(_s.SnapshotNames, Is.EqualTo(new[] { "2026-01-02T000000Z" }), "retention works through serve");
        var verify = _s.Cli("verify", "--passfile", _s.Passfile, "--ssh", ssh, _s.Plain, _s.Remote);
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());

        var elsewhere = _s.Sub("elsewhere");
        File.WriteAllText(Path.Combine(elsewhere, "keep.txt"), "keep\n");
        var empty = _s.Sub("empty");
        foreach (var (what, result) in new[]
        {
            ("rm", Ssh(ssh, $"rm -rf {elsewhere}")),
            ("rsync outside DEST", Rsync(ssh, "-a", "--delete", empty + "/", $"{Host}:{elsewhere}/")),
            ("'..'", Rsync(ssh, "-a", "--delete", empty + "/", $"{Host}:{_s.Dest}/../{Path.GetFileName(elsewhere)}/")),
            ("sender outside DEST", Rsync(ssh, "-a", $"{Host}:{elsewhere}/", _s.Sub("stolen") + "/")),
        })
        {
            Assert.That(result.ExitCode, Is.Not.EqualTo(0), $"{what} must fail through serve: {result}");
            Assert.That(result.Stderr, Does.Contain("reversecrypt: serve: refused"), $"{what}: serve refused it: {result}");
        }
        Assert.That(File.Exists(Path.Combine(elsewhere, "keep.txt")), Is.True);
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(_s.Root, "stolen")), Is.Empty);

        // --append-only on this (hardlink) destination: refused with the reason.
        var appendOnly = Serve(appendOnly: true);
        var refused = _s.Cli("backup", "--snapshots", "--passfile", _s.Passfile, "--ssh", appendOnly, _s.Plain, _s.Remote);
        Assert.That(refused.ExitCode, Is.Not.EqualTo(0), refused.ToString());
        Assert.That(refused.Stderr, Does.Contain("btrfs or XFS"), refused.ToString());
        Assert.That(_s.SnapshotNames, Is.EqualTo(new[] { "2026-01-02T000000Z" }));
    }

    [Category("TransportAgnostic")] // exit codes of serve and prune; nothing is mounted
    [Test]
    public void Serve_WithoutAForcedCommand_AndPrune_ClearErrors()
    {
        var serve = Run.Program(Repo.Launcher, ["serve", _s.Dest]);
        Assert.That(serve.ExitCode, Is.EqualTo(47), serve.ToString());
        Assert.That(serve.Stderr, Does.Contain("SSH_ORIGINAL_COMMAND"));
        var noPolicy = Run.Program(Repo.Launcher, ["prune", _s.Dest]);
        Assert.That(noPolicy.ExitCode, Is.EqualTo(2), noPolicy.ToString());
        var remote = Run.Program(Repo.Launcher, ["prune", "--keep-last", "1", "host:/x"]);
        Assert.That(remote.ExitCode, Is.EqualTo(2), remote.ToString());
        var missing = Run.Program(Repo.Launcher, ["prune", "--keep-last", "1", Path.Combine(_s.Dest, "nope")]);
        Assert.That(missing.ExitCode, Is.EqualTo(20), missing.ToString());
    }
}
