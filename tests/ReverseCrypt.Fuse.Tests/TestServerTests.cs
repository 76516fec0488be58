using System.Text.RegularExpressions;
using ReverseCrypt.Fuse.Tests.Support;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>The feature-rich test server (tests/ReverseCrypt.Fuse.TestServer) started the way bench/fuse/run.sh starts
/// it for the rows the sample cannot serve (direct-io, keep-cache, a listing with xattrs served): background mode,
/// the right bytes, xattrs present or not supported, unmount ends it.</summary>
[Category("Mount")]
[NonParallelizable]
public class TestServerTests
{
    private TempDirectory _directory = null!;
    private string _mountpoint = null!;
    private int _child;

    [SetUp]
    public void SetUp()
    {
        MountRequirements.Require();
        _directory = new TempDirectory();
        _mountpoint = _directory.Sub("mnt");
        _child = 0;
    }

    [TearDown]
    public void TearDown()
    {
        if (_child > 0)
        {
            Interop.Libc.Kill(_child, Interop.Libc.SIGKILL);
        }
        Tool.ForceUnmount(_mountpoint);
        _directory.Dispose();
    }

    [TestCase("--direct-io")]
    [TestCase("--keep-cache")]
    [TestCase("--no-xattr")]
    public void BenchModes_Background_RightBytesAndXattrs_UnmountEndsIt(string mode)
    {
        const int size = (2 << 20) + 4097;
        Tool.Result started = Tool.Run(ServerProgram.TestServer.AppHost,
            _mountpoint, "--size", size.ToString(), "--entries", "300", "--background", mode);
        Assert.That(started.ExitCode, Is.EqualTo(0), started.ToString());
        _child = int.Parse(Regex.Match(started.Stdout, @"in the background \(pid (\d+)\)").Groups[1].Value);

        for (int pass = 0; pass < 2; pass++) // keep-cache: the second pass is served from the page cache
        {
            string copy = Path.Combine(_directory.Path, "big.copy");
            Tool.Ok("dd", $"if={Path.Combine(_mountpoint, "big")}", $"of={copy}", "bs=1M");
            byte[] content = File.ReadAllBytes(copy);
            Assert.That(content, Has.Length.EqualTo(size));
            Assert.That(Enumerable.Range(0, size).FirstOrDefault(i => content[i] != (byte)(i % 251), -1), Is.EqualTo(-1));
        }
        string[] many = Tool.Ok("ls", "-l", Path.Combine(_mountpoint, "many")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(many, Has.Length.EqualTo(301), "total line + 300 entries");
        Tool.Result getfattr = Tool.Run("getfattr", "-n", "user.greeting", "--only-values", Path.Combine(_mountpoint, "hello.txt"));
        if (mode == "--no-xattr")
        {
            Assert.That(getfattr.Stderr, Does.Contain("Operation not supported"), getfattr.ToString());
        }
        else
        {
            Assert.That(getfattr.Stdout, Is.EqualTo("hi"), getfattr.ToString());
        }

        FuseMount.Unmount(_mountpoint);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (IsAlive(_child) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        Assert.That(IsAlive(_child), Is.False, "the background server ended with its mount");
        Assert.That(Tool.IsMounted(_mountpoint), Is.False);
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
