namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// Base of the fixtures that run `./reversecrypt backup|verify|mount|restore` on a <see cref="BackupScenario"/>: each
/// test gets a fresh one (an empty plaintext tree, destination, runtime and state directory), so no test sees what
/// another left. After the test, the filesystems registered with <see cref="UnmountAfterTest"/> (a loop device of
/// <see cref="MountLoop"/>, a tmpfs) are detached, last mounted first, and the scenario is disposed, which fails the
/// test when backup or verify left its view mounted. NUnit runs this [SetUp] before a derived fixture's, and this
/// [TearDown] after a derived fixture's, also when that one failed.
/// </summary>
public abstract class BackupFixture
{
    private readonly List<string> _mounts = [];

    /// <summary>This test's scenario (a field named as the fixtures had it before they shared this base).</summary>
    protected BackupScenario _s = null!;

    [SetUp]
    public void NewScenario() => _s = new BackupScenario();

    [TearDown]
    public void DisposeScenario()
    {
        try
        {
            foreach (var dir in Enumerable.Reverse(_mounts)) Run.Program("umount", ["-l", dir]);
        }
        finally
        {
            _mounts.Clear();
            var scenario = _s;
            _s = null!;
            // Null when the scenario could not be made (a missing prerequisite): then there is nothing to dispose.
            scenario?.DisposeExpectingNoViewLeft();
        }
    }

    /// <summary>Detaches (umount -l) the filesystem mounted on <paramref name="dir"/> after the test.</summary>
    protected void UnmountAfterTest(string dir) => _mounts.Add(dir);

    /// <summary>Mounts a new 1 GiB btrfs or XFS filesystem (a sparse image in the scenario, on a loop device) on
    /// <paramref name="dir"/>, detached after the test.</summary>
    protected void MountLoop(string fileSystem, string dir)
    {
        var mkfs = fileSystem == "btrfs" ? "mkfs.btrfs" : "mkfs.xfs";
        Require.Tool(mkfs);
        var image = Path.Combine(_s.Root, fileSystem + ".img");
        using (var file = new FileStream(image, FileMode.CreateNew)) file.SetLength(1L << 30);
        Run.ProgramOk(mkfs, ["-q", image]);
        Run.ProgramOk("mount", ["-o", "loop", image, dir]);
        UnmountAfterTest(dir);
    }
}

/// <summary>
/// A <see cref="BackupFixture"/> with one real sshd on 127.0.0.1 for the whole fixture (<see cref="SshServer"/>:
/// keys, config, start and a probing login cost about a second each time). The server holds no test's data: every
/// destination lives in the test's own scenario; what a test adds to it (a forced-command key of
/// <see cref="SshServer.ForcedCommandKey"/>) names that test's destination only.
/// </summary>
public abstract class SshBackupFixture : BackupFixture
{
    protected SshServer _ssh = null!;

    [OneTimeSetUp]
    public void StartSsh() => _ssh = new SshServer();

    [OneTimeTearDown]
    public void StopSsh() => _ssh?.Dispose();
}
