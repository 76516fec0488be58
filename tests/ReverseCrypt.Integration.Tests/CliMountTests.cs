using System.Diagnostics;
using System.Globalization;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Integration.Tests;

/// <summary>`reversecrypt mount --reverse` / `unmount` through the launcher: background mode, bad input, exit codes.</summary>
[Category("Mount")]
public class CliMountTests
{
    private const string Password = "demo password";
    private TestDirectory _tmp = null!;
    private string _passfile = null!;
    private string _plain = null!;
    private string _mnt = null!;

    [SetUp]
    public void SetUp()
    {
        Require.Fuse();
        _tmp = new TestDirectory();
        _passfile = _tmp.File("pass", Password + "\n");
        _plain = _tmp.Sub("plain");
        _mnt = _tmp.Sub("mnt");
        File.WriteAllText(Path.Combine(_plain, "hello.txt"), "hello world\n");
        var init = Run.Cli("init", "--reverse", "--scryptn", "10", "--passfile", _passfile, _plain);
        Assert.That(init.ExitCode, Is.EqualTo(0), init.ToString());
    }

    [TearDown]
    public void TearDown()
    {
        // What a test mounted (ours, gocryptfs), also when it failed halfway; the leftover check counts what only the
        // directory's disposal would have detached.
        Mounts.UnmountAllBelow(_tmp.Path);
        _tmp.Dispose();
    }

    [Test]
    public void MountReverse_Background_ReturnsWhenReady_UnmountRemovesIt()
    {
        var r = Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, _mnt);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(Mounts.IsMounted(_mnt), Is.True, "mounted when the command returned");
        var names = Directory.GetFileSystemEntries(_mnt).Select(Path.GetFileName).ToList();
        Assert.That(names, Does.Contain("gocryptfs.conf").And.Contain("gocryptfs.diriv"));
        Assert.That(File.ReadAllText("/proc/self/mountinfo"), Does.Contain("fuse.reversecrypt"));
        var u = Run.Cli("unmount", _mnt);
        Assert.That(u.ExitCode, Is.EqualTo(0), u.ToString());
        Assert.That(Mounts.IsMounted(_mnt), Is.False);
    }

    [Test]
    public void MountReverse_BackgroundWithDebugAndLog_TheLogGetsTheRequests()
    {
        var log = _tmp.Child("daemon.log");
        var r = Run.Cli("mount", "--reverse", "--debug", "--log", log, "--passfile", _passfile, _plain, _mnt);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var text = ListUnmountAndReadLog(log);
        Assert.That(text, Does.Contain("FUSE request"), "the requests of the listing, served after readiness");
        Assert.That(text, Does.Contain("Reverse view destroyed"), "the view's last debug line, at unmount");
    }

    [Test]
    public void MountReverse_BackgroundWithLog_NoDebug_TheLogGetsWarnings()
    {
        // With plaintext names a plaintext file called gocryptfs.conf in the root would show where the config does:
        // every listing of the root hides it with a warning.
        var plain = _tmp.Sub("plain-names");
        File.WriteAllText(Path.Combine(plain, "gocryptfs.conf"), "not a config\n");
        var init = Run.Cli("init", "--reverse", "--plaintextnames", "--scryptn", "10", "--passfile", _passfile, plain);
        Assert.That(init.ExitCode, Is.EqualTo(0), init.ToString());
        var log = _tmp.Child("daemon.log");
        var r = Run.Cli("mount", "--reverse", "--log", log, "--passfile", _passfile, plain, _mnt);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var text = ListUnmountAndReadLog(log);
        Assert.That(text, Does.Contain("A plaintext file named gocryptfs.conf in the root is hidden"));
        Assert.That(text, Does.Not.Contain("FUSE request"), "request lines only with --debug");
    }

    /// <summary>Lists the background mount at the mountpoint, unmounts it and returns its daemon's log.</summary>
    private string ListUnmountAndReadLog(string log) =>
        BackgroundDaemon.UseUnmountAndReadLog(log, _mnt, () => Assert.That(Directory.GetFileSystemEntries(_mnt), Is.Not.Empty));

    [Test]
    public void MountReverse_MatchesGocryptfsReverse_ForASimpleTree()
    {
        Require.Tool("gocryptfs");
        File.WriteAllBytes(Path.Combine(_plain, "blocks.bin"), Enumerable.Range(0, 10000).Select(i => (byte)(i % 251)).ToArray());
        Directory.CreateDirectory(Path.Combine(_plain, "sub"));
        File.CreateSymbolicLink(Path.Combine(_plain, "sub", "link"), "../hello.txt");
        var ours = Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, _mnt);
        Assert.That(ours.ExitCode, Is.EqualTo(0), ours.ToString());
        var theirsMnt = _tmp.Sub("theirs");
        Gocryptfs.Mount(["-reverse", "-passfile", _passfile], _plain, theirsMnt);
        // The independent oracle (tests/tree-manifest.py) compares names, types, modes, owners, sizes, ns mtimes, link
        // structure, xattrs and contents. Only the virtual files' mtimes differ on purpose (docs/format.md 18: 10 s newer).
        var differences = TreeManifest.Compare(theirsMnt, _mnt)
            .Where(d => !IsVirtualMtime(d)).ToList();
        Assert.That(differences, Is.Empty, string.Join("\n", differences));
        Assert.That(TreeManifest.Walk(_mnt).Count(e => e.Type == "file"), Is.GreaterThanOrEqualTo(3), "something was compared");
    }

    [Test]
    public void MountReverse_NoSparse_MatchesGocryptfsReverse_TheDefaultDiffersOnlyInTheSparseFile()
    {
        Require.Tool("gocryptfs");
        using (var f = new FileStream(Path.Combine(_plain, "holes.bin"), FileMode.CreateNew))
        {
            f.SetLength(1 << 20);
            f.Write(Enumerable.Range(0, 5000).Select(i => (byte)(i % 251)).ToArray());
        }
        File.WriteAllBytes(Path.Combine(_plain, "dense.bin"), Enumerable.Range(0, 10000).Select(i => (byte)(i % 241)).ToArray());
        var strict = Run.Cli("mount", "--reverse", "--no-sparse", "--passfile", _passfile, _plain, _mnt);
        Assert.That(strict.ExitCode, Is.EqualTo(0), strict.ToString());
        var sparseMnt = _tmp.Sub("sparse");
        var sparse = Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, sparseMnt);
        Assert.That(sparse.ExitCode, Is.EqualTo(0), sparse.ToString());
        var theirsMnt = _tmp.Sub("theirs");
        Gocryptfs.Mount(["-reverse", "-passfile", _passfile], _plain, theirsMnt);

        var strictDifferences = TreeManifest.Compare(theirsMnt, _mnt).Where(d => !IsVirtualMtime(d)).ToList();
        Assert.That(strictDifferences, Is.Empty, "--no-sparse: " + string.Join("\n", strictDifferences));
        var sparseDifferences = TreeManifest.Compare(theirsMnt, sparseMnt).Where(d => !IsVirtualMtime(d)).ToList();
        Assert.That(sparseDifferences, Has.Count.EqualTo(1), "only the sparse file's content: " + string.Join("\n", sparseDifferences));
        Assert.That(sparseDifferences[0], Does.Contain(": content expected"));
    }

    private static bool IsVirtualMtime(string difference)
    {
        int colon = difference.IndexOf(": mtime ", StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }
        string path = difference[..colon];
        string leaf = path[(path.LastIndexOf('/') + 1)..];
        return leaf is "gocryptfs.diriv" or "gocryptfs.conf" || leaf.EndsWith(".name", StringComparison.Ordinal);
    }

    [Category("TransportAgnostic")] // an argument error: nothing is mounted
    [Test]
    public void WrongPassword_Exit12_NothingMounted()
    {
        var wrong = _tmp.File("wrong", "nope\n");
        var r = Run.Cli("mount", "--reverse", "--passfile", wrong, _plain, _mnt);
        Assert.That(r.ExitCode, Is.EqualTo(12), r.ToString());
        Assert.That(Mounts.IsMounted(_mnt), Is.False);
    }

    [Category("TransportAgnostic")] // an argument error: nothing is mounted
    [Test]
    public void NoConfig_SaysRunInit_Exit14()
    {
        var other = _tmp.Sub("other");
        var r = Run.Cli("mount", "--reverse", "--passfile", _passfile, other, _mnt);
        Assert.That(r.ExitCode, Is.EqualTo(14), r.ToString());
        Assert.That(r.Stderr, Does.Contain("reversecrypt init --reverse"));
    }

    [Category("TransportAgnostic")] // an argument error: nothing is mounted
    [Test]
    public void PlainDirMissing_Exit20()
    {
        var r = Run.Cli("mount", "--reverse", "--passfile", _passfile, Path.Combine(_tmp.Path, "nope"), _mnt);
        Assert.That(r.ExitCode, Is.EqualTo(20), r.ToString());
        Assert.That(r.Stderr, Does.Contain("no such directory"));
    }

    [Category("TransportAgnostic")] // an argument error: nothing is mounted
    [Test]
    public void MountpointInsidePlainDir_Exit21()
    {
        var inside = Path.Combine(_plain, "mnt");
        Directory.CreateDirectory(inside);
        var r = Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, inside);
        Assert.That(r.ExitCode, Is.EqualTo(21), r.ToString());
        Assert.That(r.Stderr, Does.Contain("inside"));
        Assert.That(Mounts.IsMounted(inside), Is.False);
    }

    [Test]
    public void MountForeground_SignalledAtAnyMomentOfItsStart_LeavesNoMountBehind()
    {
        // SIGTERM from before the runtime is up to after the mount stands: the process either dies before it mounted
        // anything (128 + 15) or unmounts and exits 0, never leaving a (stale) mount behind.
        // -1: the moment the mount appears in mountinfo (mount(2) done, INIT and the rest of the start still to come);
        // -2: once it answers.
        foreach (int delayMs in new[] { 0, 50, 100, 150, 200, 250, 300, 400, 500, 700, -1, -2 })
        {
            using var process = Run.StartCli(["mount", "--reverse", "--foreground", "--passfile", _passfile, _plain, _mnt]);
            try
            {
                if (delayMs >= 0)
                {
                    Thread.Sleep(delayMs);
                }
                else
                {
                    var until = DateTime.UtcNow.AddSeconds(30);
                    while (!Mounts.IsMounted(_mnt) && DateTime.UtcNow < until)
                    {
                        Thread.SpinWait(delayMs == -1 ? 100 : 1_000_000);
                    }
                    Assert.That(Mounts.IsMounted(_mnt), Is.True, "mounted in the foreground");
                    if (delayMs == -2)
                    {
                        Assert.That(Directory.GetFileSystemEntries(_mnt), Is.Not.Empty, "the mount answers");
                    }
                }
                Assert.That(Libc.Kill(process.Id, Libc.SIGTERM), Is.Zero, $"SIGTERM at {delayMs} ms");
                Assert.That(process.WaitForExit(30_000), Is.True, $"exits after SIGTERM at {delayMs} ms");
                string stderr = process.StandardError.ReadToEnd();
                TestContext.Out.WriteLine($"SIGTERM at {delayMs} ms: exit {process.ExitCode}");
                Assert.That(process.ExitCode, delayMs < 0 ? Is.EqualTo(0) : Is.EqualTo(0).Or.EqualTo(128 + 15),
                    $"SIGTERM at {delayMs} ms: {stderr}");
                Assert.That(Mounts.IsMounted(_mnt), Is.False, $"nothing mounted after SIGTERM at {delayMs} ms");
                Assert.That(stderr, Does.Not.Contain("fail").IgnoreCase, $"SIGTERM at {delayMs} ms");
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit();
                }
                if (Mounts.IsMounted(_mnt))
                {
                    Mounts.Detach(_mnt);
                }
            }
        }
    }

    [Category("TransportAgnostic")] // an argument error: nothing is mounted
    [Test]
    public void MountpointMissing_Exit21()
    {
        var r = Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, Path.Combine(_tmp.Path, "nope"));
        Assert.That(r.ExitCode, Is.EqualTo(21), r.ToString());
    }

    [Test]
    public void AlreadyMounted_Exit21_FirstMountKeepsWorking()
    {
        Assert.That(Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, _mnt).ExitCode, Is.EqualTo(0));
        var again = Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, _mnt);
        Assert.That(again.ExitCode, Is.EqualTo(21), again.ToString());
        Assert.That(Directory.GetFileSystemEntries(_mnt), Is.Not.Empty);
    }

    [Test]
    public void StaleMountpoint_AfterKill9_NextMountSucceeds()
    {
        Assert.That(Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, _mnt).ExitCode, Is.EqualTo(0));
        var pid = Run.Shell($"pgrep -f '[r]eversecrypt mount --reverse.*{_mnt}' | head -n1").Stdout.Trim();
        Assert.That(pid, Is.Not.Empty, "daemon process found");
        using (var daemon = Process.GetProcessById(int.Parse(pid)))
        {
            daemon.Kill();
            // Gone, and with it its /dev/fuse descriptor: the kernel aborts the connection (no fixed sleep).
            Assert.That(daemon.WaitForExit(30_000), Is.True, "the daemon died");
        }
        var probe = Run.Shell($"ls '{_mnt}'");
        Assert.That(probe.Stderr, Does.Contain("not connected"), "the mount is stale now");
        var again = Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, _mnt);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(Directory.GetFileSystemEntries(_mnt), Is.Not.Empty);
    }

    [Test]
    public void UnmountBusy_Exit23_StaysMounted()
    {
        Assert.That(Run.Cli("mount", "--reverse", "--passfile", _passfile, _plain, _mnt).ExitCode, Is.EqualTo(0));
        using var holder = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "sleep 30"]) { WorkingDirectory = _mnt })!;
        try
        {
            var u = Run.Cli("unmount", _mnt);
            Assert.That(u.ExitCode, Is.EqualTo(23), u.ToString());
            Assert.That(u.Stderr, Does.Contain("busy").IgnoreCase);
            Assert.That(Mounts.IsMounted(_mnt), Is.True);
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
    }
}
