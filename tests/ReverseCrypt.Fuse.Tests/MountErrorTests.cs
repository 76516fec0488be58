using ReverseCrypt.Fuse.Tests.Support;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>Bad inputs give a typed error with a one-line message that says what to do.</summary>
[Category("Mount")]
[NonParallelizable]
public class MountErrorTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp()
    {
        MountRequirements.Require();
        _directory = new TempDirectory();
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    private static FuseMountException MountFails(string mountpoint, FuseMountOptions? options = null)
    {
        FuseMountException? error = Assert.Throws<FuseMountException>(() =>
            FuseMount.Mount(new TestFileSystem(), mountpoint, options ?? MountedTestFileSystem.DefaultOptions).Dispose());
        Assert.That(error!.Message, Does.Not.Contain("\n"), "one line");
        Assert.That(Tool.IsMounted(error.Mountpoint), Is.False, "nothing left mounted");
        return error;
    }

    [Test]
    public void MountpointMissing()
    {
        string missing = Path.Combine(_directory.Path, "nope");
        FuseMountException error = MountFails(missing);
        Assert.That(error.Kind, Is.EqualTo(FuseMountErrorKind.MountpointMissing));
        Assert.That(error.Message, Does.Contain(missing).And.Contain("mkdir -p"));
    }

    [Test]
    public void MountpointIsAFile()
    {
        string file = Path.Combine(_directory.Path, "file");
        File.WriteAllText(file, "x");
        FuseMountException error = MountFails(file);
        Assert.That(error.Kind, Is.EqualTo(FuseMountErrorKind.NotADirectory));
        Assert.That(error.Message, Does.Contain("not a directory"));
    }

    [Test]
    public void AlreadyMounted()
    {
        string mountpoint = _directory.Sub("mnt");
        using FuseMount first = FuseMount.Mount(new TestFileSystem(), mountpoint, MountedTestFileSystem.DefaultOptions);

        FuseMountException? error = Assert.Throws<FuseMountException>(() =>
            FuseMount.Mount(new TestFileSystem(), mountpoint, MountedTestFileSystem.DefaultOptions).Dispose());

        Assert.That(error!.Kind, Is.EqualTo(FuseMountErrorKind.AlreadyMounted));
        Assert.That(error.Message, Does.Contain("already mounted").And.Contain("fuse.testfs").And.Contain("umount"));
        Assert.That(File.ReadAllBytes(Path.Combine(mountpoint, "hello.txt")), Is.EqualTo(TestFileSystem.HelloContent), "first mount untouched");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void NoFuseDevice(bool viaFusermount)
    {
        string mountpoint = _directory.Sub("mnt");
        FuseMountException error = MountFails(mountpoint,
            new FuseMountOptions { DevicePath = "/nonexistent/fuse", UseFusermount = viaFusermount });
        Assert.That(error.Kind, Is.EqualTo(FuseMountErrorKind.NoFuseDevice));
        Assert.That(error.Message, Does.Contain("/nonexistent/fuse").And.Contain("modprobe fuse"));
    }

    [Test]
    public void FusermountMissing()
    {
        string mountpoint = _directory.Sub("mnt");
        FuseMountException error = MountFails(mountpoint,
            new FuseMountOptions { UseFusermount = true, FusermountPath = "/nonexistent/fusermount3" });
        Assert.That(error.Kind, Is.EqualTo(FuseMountErrorKind.FusermountFailed));
        Assert.That(error.Message, Does.Contain("fuse3"));
    }

    [Test]
    public void UnmountNotMounted()
    {
        string directory = _directory.Sub("plain");
        FuseMountException? error = Assert.Throws<FuseMountException>(() => FuseMount.Unmount(directory));
        Assert.That(error!.Kind, Is.EqualTo(FuseMountErrorKind.NotMounted));
        error = Assert.Throws<FuseMountException>(() => FuseMount.Unmount(Path.Combine(directory, "missing")));
        Assert.That(error!.Kind, Is.EqualTo(FuseMountErrorKind.NotMounted));
    }

    /// <summary>
    /// A user without the right to mount there: the sample runs as uid/gid 65534 (setpriv) on a root-owned mountpoint, so
    /// fusermount3 refuses whatever the mode of /dev/fuse is.
    /// </summary>
    [Test]
    public void NotPermitted_NonRootUser()
    {
        if (!File.Exists("/usr/bin/setpriv"))
        {
            MountRequirements.Missing("setpriv (util-linux) is needed to run the sample as another user");
        }
        // Copy the sample where "nobody" can read it (the build output may sit under a private directory).
        string app = _directory.Sub("app");
        foreach (string file in Directory.GetFiles(AppContext.BaseDirectory))
        {
            File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        }
        File.SetUnixFileMode(_directory.Path, (UnixFileMode)0x1ED);
        string mountpoint = _directory.Sub("mnt");

        Tool.Result result = Tool.Run("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", Sample.DotnetHost, Path.Combine(app, "HelloFs.dll"), mountpoint],
            new Dictionary<string, string?> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp" });

        Assert.That(result.ExitCode, Is.EqualTo(22), result.ToString());
        Assert.That(result.Stderr, Does.Contain("not permitted").And.Contain(mountpoint));
        Assert.That(Tool.IsMounted(mountpoint), Is.False);
    }
}
