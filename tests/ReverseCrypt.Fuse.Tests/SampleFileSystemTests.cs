using System.Diagnostics;
using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>The teaching sample (samples/HelloFs) run as its README shows: what it serves to ls, cat and dd, what it
/// does not support (xattrs, writes), SIGTERM, and its command line.</summary>
[NonParallelizable]
public class SampleFileSystemTests
{
    private const string Hello = "Hello from a managed FUSE server!\n";
    private TempDirectory _directory = null!;
    private string _mountpoint = null!;
    private Process? _server;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _mountpoint = _directory.Sub("mnt");
        _server = null;
    }

    [TearDown]
    public void TearDown()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            _server.WaitForExit();
        }
        _server?.Dispose();
        Tool.ForceUnmount(_mountpoint);
        _directory.Dispose();
    }

    private void StartSample(params string[] arguments)
    {
        MountRequirements.Require();
        using var ready = new ReadyNotification();
        _server = Sample.Start([_mountpoint, .. arguments], ready.Environment);
        ready.Wait(_server); // the SIGTERM handler exists from READY=1 on
        Sample.WaitMounted(_mountpoint, _server);
    }

    private string P(string relative) => Path.Combine(_mountpoint, relative);

    [Test]
    [Category("Mount")]
    public void LsCatDd_ServeTheGeneratedTree_ThenSigtermUnmounts_ExitZero()
    {
        const long size = (3 << 20) + 1000; // three 1 MiB reads and a short one
        StartSample("--size", size.ToString(), "--entries", "2500");

        string[] root = Tool.Ok("ls", "-ln", _mountpoint).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(root[0], Does.StartWith("total "));
        Assert.That(root[1..], Has.Length.EqualTo(3));
        Assert.That(root, Has.Some.Matches($@"^-rw-r--r-- 1 0 0 +{size} .* big$"));
        Assert.That(root, Has.Some.Matches($@"^-rw-r--r-- 1 0 0 +{Hello.Length} .* hello\.txt$"));
        Assert.That(root, Has.Some.Matches(@"^drwxr-xr-x 1 0 0 +4096 .* many$"));

        // 2500 entries take several READDIRPLUS replies: each resumes at the offset the previous one ended with.
        string[] many = Tool.Ok("ls", "-ln", P("many")).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.That(many.Select(line => line.Split(' ')[^1]), Is.EqualTo(Enumerable.Range(0, 2500).Select(i => $"f{i:D6}")));
        Assert.That(many, Has.All.Matches($@"^-rw-r--r-- 1 0 0 +{Hello.Length} "));

        Assert.That(Tool.Ok("cat", P("hello.txt")), Is.EqualTo(Hello));
        Assert.That(Tool.Ok("cat", P("many/f002499")), Is.EqualTo(Hello));
        Assert.That(Tool.Run("stat", P("many/f002500")).Stderr, Does.Contain("No such file or directory"));
        Assert.That(Tool.Run("stat", P("many/f+02499")).Stderr, Does.Contain("No such file or directory"));
        Assert.That(Tool.Run("stat", P("nothing")).Stderr, Does.Contain("No such file or directory"));

        string copy = Path.Combine(_directory.Path, "big.copy");
        Tool.Ok("dd", $"if={P("big")}", $"of={copy}", "bs=1M");
        byte[] content = File.ReadAllBytes(copy);
        Assert.That(content, Has.Length.EqualTo(size));
        Assert.That(Enumerable.Range(0, content.Length).FirstOrDefault(i => content[i] != (byte)(i % 251), -1), Is.EqualTo(-1),
            "first byte that is not offset % 251");
        Tool.Ok("dd", $"if={P("big")}", $"of={copy}", "bs=4096", "skip=700", "count=2"); // an offset that is not a multiple of 251
        Assert.That(File.ReadAllBytes(copy), Is.EqualTo(Enumerable.Range(700 * 4096, 8192).Select(i => (byte)(i % 251))));

        Assert.That(Libc.Kill(_server!.Id, Libc.SIGTERM), Is.EqualTo(0));
        Assert.That(_server.WaitForExit(15_000), Is.True, "the sample exits");
        Assert.That(_server.ExitCode, Is.EqualTo(0), _server.StandardError.ReadToEnd());
        Assert.That(Tool.IsMounted(_mountpoint), Is.False, "mount gone");
        Assert.That(_server.StandardOutput.ReadToEnd(), Does.Contain($"HelloFs mounted at {_mountpoint}"));
    }

    [Test]
    [Category("Mount")]
    public void NoXattrSupport_ReadOnly_NoStatfs()
    {
        StartSample("--size", "4096");

        Tool.Result getfattr = Tool.Run("getfattr", "-d", P("hello.txt"));
        Assert.That(getfattr.Stderr, Does.Contain("Operation not supported"), "ENOSYS from the base class: the kernel says ENOTSUP");
        Assert.That(Tool.Run("getfattr", "-n", "user.any", P("big")).Stderr, Does.Contain("Operation not supported"));

        Assert.That(() => File.WriteAllText(P("hello.txt"), "x"), Throws.InstanceOf<IOException>().With.Message.Contains("Read-only"));
        Assert.That(() => File.WriteAllText(P("new.txt"), "x"), Throws.InstanceOf<IOException>().With.Message.Contains("Read-only"));
        Assert.That(Tool.Run("df", _mountpoint).Stderr, Does.Contain("Function not implemented"), "no Statfs in the sample");
        Assert.That(File.ReadAllText(P("hello.txt")), Is.EqualTo(Hello), "still served");
    }

    [TestCase]
    [TestCase("--background")]
    [TestCase("MNT", "--size")]
    [TestCase("MNT", "--size", "-1")]
    [TestCase("MNT", "--size", "1G")]
    [TestCase("MNT", "--entries", "1000001")]
    [TestCase("MNT", "--sise", "1")]
    public void BadCommandLine_Usage_ExitTwo(params string[] arguments)
    {
        Tool.Result result = Tool.Run(Sample.AppHost, arguments.Select(a => a == "MNT" ? _mountpoint : a).ToArray());

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.StartWith("usage: HelloFs MOUNTPOINT [--size BYTES"));
        Assert.That(Tool.IsMounted(_mountpoint), Is.False);
    }

    [Test]
    public void MountpointMissing_ExitTwentyOne_WithTheLibrarysMessage()
    {
        string missing = Path.Combine(_directory.Path, "missing");

        Tool.Result result = Tool.Run(Sample.AppHost, missing);

        Assert.That(result.ExitCode, Is.EqualTo(21), result.ToString());
        Assert.That(result.Stderr, Does.StartWith("HelloFs: ").And.Contain("does not exist").And.Contain(missing));
    }
}
