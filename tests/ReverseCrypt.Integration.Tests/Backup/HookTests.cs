using System.Text.Json;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// `backup --pre CMD` / `--post CMD` with a real view and rsync to a local destination: the pre hook runs while the
/// destination is locked and before the view (what it writes is backed up), a failing pre hook aborts with exit 48 and
/// sends nothing, the post hook runs after success, failure and SIGTERM with the outcome in its environment, and a
/// failing post hook turns only a success into 48.
/// </summary>
[Category("Mount")]
[Category("TransportAgnostic")] // what the hooks see and when they run
[NonParallelizable]
public class HookTests : BackupFixture
{
    private string _dest = null!;
    private string _log = null!;

    [SetUp]
    public void SetUp()
    {
        File.WriteAllText(Path.Combine(_s.Plain, "a.txt"), "a\n");
        _s.Init();
        _dest = Path.Combine(_s.Root, "dest-local");
        _log = Path.Combine(_s.Root, "hook.log");
    }

    /// <summary>A post hook that writes its REVERSECRYPT_* environment to the log, one VAR=value a line.</summary>
    private string RecordingPost => $"env | grep ^REVERSECRYPT_ | sort > {Run.Quote(_log)}";

    private Dictionary<string, string> PostEnvironment()
    {
        Assert.That(File.Exists(_log), Is.True, "the --post hook ran");
        return File.ReadAllLines(_log).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    [Test]
    public void Pre_RunsUnderTheLockBeforeTheView_ItsOutputIsBackedUp_PostSeesOk()
    {
        // The pre hook dumps "a database" into the source: the dump must be in this very backup. It also records
        // that the destination is locked by then (a second backup to DEST exits 44) and that no view is mounted yet.
        var dump = Path.Combine(_s.Plain, "db.sql");
        var second = $"{Run.Quote(Repo.Launcher)} backup --passfile {Run.Quote(_s.Passfile)} {Run.Quote(_s.Plain)} {Run.Quote(_dest)}";
        var pre = $"echo dump-$$ > {Run.Quote(dump)}; {second} >/dev/null 2>&1; echo \"second=$?\" > {Run.Quote(_log + ".pre")}; "
            + $"grep -c {Run.Quote(_s.Runtime)} /proc/self/mountinfo >> {Run.Quote(_log + ".pre")}; true";
        var (r, summary) = _s.Backup(_dest, "--snapshots", "--pre", pre, "--post", RecordingPost);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var preLog = File.ReadAllLines(_log + ".pre");
        Assert.That(preLog[0], Is.EqualTo("second=44"), "the destination is locked while --pre runs");
        Assert.That(preLog[1], Is.EqualTo("0"), "no view is mounted while --pre runs");

        var restored = _s.RestoreWithGocryptfs(Path.Combine(_dest, "latest"), "pre");
        Assert.That(File.ReadAllText(Path.Combine(restored, "db.sql")), Does.StartWith("dump-"), "what --pre wrote is in the backup");

        var env = PostEnvironment();
        Assert.That(env["REVERSECRYPT_EXIT"], Is.EqualTo("0"));
        Assert.That(env["REVERSECRYPT_RESULT"], Is.EqualTo("ok"));
        Assert.That(env["REVERSECRYPT_PRE"], Is.EqualTo("ok"));
        Assert.That(env["REVERSECRYPT_SNAPSHOT"], Is.EqualTo(summary.GetProperty("snapshot").GetString()));
        Assert.That(env["REVERSECRYPT_SOURCE"], Is.EqualTo(_s.Plain));
        Assert.That(env["REVERSECRYPT_DEST"], Is.EqualTo(_dest));
        Assert.That(env["REVERSECRYPT_ERROR"], Is.Empty);
    }

    /// <summary>A change-driven run walks the source after --pre: a dump the hook writes is listed and sent (walked
    /// before the hook, it would be missing from the snapshot).</summary>
    [Test]
    public void Pre_OnAChangeDrivenRun_WhatItWritesIsListedAndBackedUp()
    {
        var (first, _) = _s.Backup(_dest, "--snapshots");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var dump = Path.Combine(_s.Plain, "db.sql");
        var (r, summary) = _s.Backup(_dest, "--snapshots", "--pre", $"echo dump-second > {Run.Quote(dump)}");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(summary.GetProperty("run").GetString(), Is.EqualTo("incremental"), r.ToString());
        Assert.That(summary.GetProperty("changed_paths").GetInt64(), Is.GreaterThanOrEqualTo(1), r.ToString());
        var restored = _s.RestoreWithGocryptfs(Path.Combine(_dest, "latest"), "pre-incremental");
        Assert.That(File.ReadAllText(Path.Combine(restored, "db.sql")), Is.EqualTo("dump-second\n"), "what --pre wrote is in this backup");
    }

    [Test]
    public void FailingPre_Exit48_NothingSent_PostSeesFailed()
    {
        var r = _s.Cli("backup", "--passfile", _s.Passfile, "--snapshots", "--pre", "echo cannot dump >&2; exit 3",
            "--post", RecordingPost, _s.Plain, _dest);
        Assert.That(r.ExitCode, Is.EqualTo(48), r.ToString());
        Assert.That(r.Stderr, Does.Contain("cannot dump"), "the hook's own output is shown");
        Assert.That(r.Stderr, Does.Contain("--pre hook failed with exit code 3").And.Contain("nothing was sent"));
        var sent = Directory.Exists(_dest)
            ? Directory.EnumerateFiles(_dest, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.reversecrypt/", StringComparison.Ordinal)).ToList()
            : [];
        Assert.That(sent, Is.Empty, "nothing was sent");
        Assert.That(File.Exists(Path.Combine(_dest, "latest")) || Directory.Exists(Path.Combine(_dest, "latest")), Is.False);

        var env = PostEnvironment();
        Assert.That(env["REVERSECRYPT_EXIT"], Is.EqualTo("48"));
        Assert.That(env["REVERSECRYPT_RESULT"], Is.EqualTo("failed"));
        Assert.That(env["REVERSECRYPT_PRE"], Is.EqualTo("failed"));
        Assert.That(env["REVERSECRYPT_SNAPSHOT"], Is.Empty);
        Assert.That(env["REVERSECRYPT_ERROR"], Does.Contain("--pre hook failed"));

        // The next run without the failing hook completes.
        var (next, _) = _s.Backup(_dest, "--snapshots");
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
    }

    [Test]
    public void PreTimeout_StopsTheHookAndItsChildren_Exit48()
    {
        var pidFile = Path.Combine(_s.Root, "child.pid");
        var started = DateTime.UtcNow;
        var r = _s.Cli("backup", "--passfile", _s.Passfile, "--hook-timeout", "2",
            "--pre", $"sleep 300 & echo $! > {Run.Quote(pidFile)}; wait", _s.Plain, _dest);
        Assert.That(r.ExitCode, Is.EqualTo(48), r.ToString());
        Assert.That(r.Stderr, Does.Contain("did not finish within 2 s"));
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(60)));
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(Alive(child), Is.False, "the hook's child was stopped with it");
    }

    /// <summary>The process exists and is not a zombie (an orphan waits for PID 1 to reap it).</summary>
    private static bool Alive(int pid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{pid}/stat");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
            // pid (comm) STATE ...: the state follows the last ')'.
            if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z')) return false;
            if (DateTime.UtcNow > deadline) return true;
            Thread.Sleep(100);
        }
    }

    [Test]
    public void FailingPost_TurnsSuccessInto48_AndLeavesAFailureItsCode()
    {
        var ok = _s.Cli("backup", "--passfile", _s.Passfile, "--snapshots", "--post", "exit 7", _s.Plain, _dest);
        Assert.That(ok.ExitCode, Is.EqualTo(48), ok.ToString());
        Assert.That(ok.Stderr, Does.Contain("--post hook failed with exit code 7").And.Contain("the backup itself succeeded"));
        Assert.That(new FileInfo(Path.Combine(_dest, "latest")).LinkTarget, Is.Not.Null, "the snapshot is complete");

        // A run that fails on its own (no config) keeps its own exit code; the post hook's failure is only reported.
        var noConfig = _s.Cli("backup", "--passfile", _s.Passfile, "--config", Path.Combine(_s.Root, "missing.conf"),
            "--post", $"{RecordingPost}; exit 7", _s.Plain, _dest);
        Assert.That(noConfig.ExitCode, Is.EqualTo(14), noConfig.ToString());
        Assert.That(noConfig.Stderr, Does.Contain("--post hook failed with exit code 7").And.Contain("stays 14"));
        var env = PostEnvironment();
        Assert.That(env["REVERSECRYPT_RESULT"], Is.EqualTo("failed"));
        Assert.That(env["REVERSECRYPT_EXIT"], Is.EqualTo("14"));
        Assert.That(env["REVERSECRYPT_ERROR"], Does.Contain("missing.conf"));
    }

    [Test]
    public void Sigterm_DuringTheTransfer_PostRunsWithInterrupted_Exit130()
    {
        Assert.That(Run.Shell($"head -c 24M /dev/urandom > '{_s.Plain}/big.bin'").ExitCode, Is.EqualTo(0));
        using var process = _s.StartBackup("--snapshots", "--bwlimit", "1M", "--post", RecordingPost, _s.Plain, _dest);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited && _s.ViewMounts.Count == 0) Thread.Sleep(100);
        Thread.Sleep(1000);
        if (process.HasExited) Assert.Fail("the backup ended before it could be interrupted: " + stdout.Result + stderr.Result);
        Assert.That(Libc.Kill(process.Id, Libc.SIGTERM), Is.EqualTo(0));
        Assert.That(process.WaitForExit(60_000), Is.True, "the backup did not stop after SIGTERM");
        Assert.That(process.ExitCode, Is.EqualTo(130), stdout.Result + stderr.Result);
        Assert.That(JsonDocument.Parse(stdout.Result).RootElement.GetProperty("completed").GetBoolean(), Is.False);
        var env = PostEnvironment();
        Assert.That(env["REVERSECRYPT_EXIT"], Is.EqualTo("130"));
        Assert.That(env["REVERSECRYPT_RESULT"], Is.EqualTo("interrupted"));
        Assert.That(env["REVERSECRYPT_SNAPSHOT"], Is.Empty);
    }

    [Test]
    public void Sigterm_WhilePreRuns_StopsIt_Exit130_PostSeesInterrupted()
    {
        var started = Path.Combine(_s.Root, "pre-started");
        using var process = _s.StartBackup("--snapshots", "--pre", $"touch {Run.Quote(started)}; sleep 300", "--post", RecordingPost, _s.Plain, _dest);
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited && !File.Exists(started)) Thread.Sleep(100);
        Assert.That(File.Exists(started), Is.True, "the --pre hook started");
        var signalled = DateTime.UtcNow;
        Assert.That(Libc.Kill(process.Id, Libc.SIGTERM), Is.EqualTo(0));
        Assert.That(process.WaitForExit(60_000), Is.True, "the backup did not stop after SIGTERM");
        Assert.That(process.ExitCode, Is.EqualTo(130), stderr.Result);
        Assert.That(DateTime.UtcNow - signalled, Is.LessThan(TimeSpan.FromSeconds(30)), "the hook was stopped, not waited for");
        var env = PostEnvironment();
        Assert.That(env["REVERSECRYPT_RESULT"], Is.EqualTo("interrupted"));
        Assert.That(env["REVERSECRYPT_PRE"], Is.EqualTo("failed"));
        Assert.That(_s.ViewMounts, Is.Empty, "no view was mounted");
    }

    [Test]
    public void InstanceFile_PreAndPost_AreHooks_AndNotForVerify()
    {
        var configDir = _s.Sub("etc");
        var marker = Path.Combine(_s.Root, "pre-ran");
        File.WriteAllText(Path.Combine(configDir, "h.conf"),
            $"SOURCE={_s.Plain}\nDEST={_dest}\nBACKUP_OPTIONS=--snapshots\nPRE=echo pre ran > {marker}\nPOST={RecordingPost.Replace("'", "", StringComparison.Ordinal)}\n");
        var env = new Dictionary<string, string>(_s.Environment) { ["REVERSECRYPT_CONFIG_DIR"] = configDir };
        var r = Run.Program(Repo.Launcher, ["backup", "--instance", "h", "--passfile", _s.Passfile], env: env, timeout: TimeSpan.FromMinutes(5));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(File.ReadAllText(marker), Is.EqualTo("pre ran\n"));
        Assert.That(PostEnvironment()["REVERSECRYPT_RESULT"], Is.EqualTo("ok"));
        var verify = Run.Program(Repo.Launcher, ["verify", "--instance", "h", "--passfile", _s.Passfile], env: env, timeout: TimeSpan.FromMinutes(5));
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());

        File.AppendAllText(Path.Combine(configDir, "h.conf"), "PRE=true\n");
        var twice = Run.Program(Repo.Launcher, ["backup", "--instance", "h", "--passfile", _s.Passfile], env: env);
        Assert.That(twice.ExitCode, Is.EqualTo(2), twice.ToString());
        Assert.That(twice.Stderr, Does.Contain("h.conf:6: PRE is set twice"));
    }
}
