using System.Security.Cryptography;
using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>Real tools and direct syscalls against the test filesystem mounted in this process.</summary>
[Category("Mount")]
[NonParallelizable]
public class MountedToolsTests
{
    private MountedTestFileSystem _mounted = null!;

    [OneTimeSetUp]
    public void Mount() => _mounted = new MountedTestFileSystem();

    [OneTimeTearDown]
    public void Unmount() => _mounted?.Dispose();

    [Test]
    public void Transport_IsTheOneThisPassSelected()
    {
        // tests/run sets fuse.enable_uring per pass; a mount must follow it, so each pass tests the transport it names.
        // A request first: INIT itself comes through /dev/fuse, the ring only serves what follows it.
        Assert.That(File.ReadAllBytes(P("hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
        Assert.That(_mounted.Mount.Connection.IoUringEnabled, Is.EqualTo(KernelIoUring.IsOn),
            $"{KernelIoUring.Parameter} is {(KernelIoUring.IsOn ? "Y" : "N")}");
        Assert.That(_mounted.Mount.Session.IoUringRequestCount > 0, Is.EqualTo(KernelIoUring.IsOn));
    }

    private string P(string relative) => _mounted.Path(relative);

    private static string ExpectedBigSha256()
    {
        byte[] content = new byte[TestFileSystem.BigSize];
        for (long i = 0; i < content.Length; i++)
        {
            content[i] = TestFileSystem.ContentByte(i);
        }
        return Convert.ToHexStringLower(SHA256.HashData(content));
    }

    [Test]
    public void ProcMounts_ShowsSubtypeAndFsName()
    {
        string line = File.ReadAllLines("/proc/mounts").Single(l => l.Split(' ')[1] == _mounted.Mountpoint);
        Assert.That(line, Does.StartWith("testfs-source " + _mounted.Mountpoint + " fuse.testfs ro,nosuid,nodev"));
    }

    [Test]
    public void LsL_ShowsTypesModesOwnersSizesTimes()
    {
        string[] lines = Tool.Ok("ls", "-ln", "--time-style=+%s", _mounted.Mountpoint).Split('\n');

        Assert.That(lines, Has.Some.Matches(@"^-rw-r--r-- 1 1234 5678 +12 1234567890 hello\.txt$"));
        Assert.That(lines, Has.Some.Matches(@"^lrwxrwxrwx 1 1234 5678 +9 1234567890 link -> hello\.txt$"));
        Assert.That(lines, Has.Some.Matches(@"^drwxr-xr-x 2 1234 5678 +4096 1234567890 many$"));
        Assert.That(lines, Has.Some.Matches($@"^-rw-r--r-- 1 1234 5678 +{TestFileSystem.BigSize} 1234567890 big\.bin$"));
        Assert.That(lines[0], Does.StartWith("total "));
        Assert.That(lines.Count(l => l.Length > 0), Is.EqualTo(8), "total line + 7 entries");
    }

    [Test]
    public void Stat_ReportsAllAttributeFields()
    {
        Tool.Result stat = Tool.Run("stat", ["-c", "%i|%s|%f|%u|%g|%h|%Y|%y|%b|%B|%F", P("hello.txt")],
            new Dictionary<string, string?> { ["TZ"] = "UTC" });
        Assert.That(stat.ExitCode, Is.EqualTo(0), stat.ToString());
        string output = stat.Stdout.Trim();
        Assert.That(output, Is.EqualTo("102|12|81a4|1234|5678|1|1234567890|2009-02-13 23:31:30.123456789 +0000|1|512|regular file"));
        Assert.That(Tool.Ok("stat", "-c", "%F|%N", P("link")).Trim(), Is.EqualTo($"symbolic link|'{P("link")}' -> 'hello.txt'"));
    }

    [Test]
    public void Cat_ReadsSmallFiles()
    {
        Assert.That(Tool.Ok("cat", P("hello.txt")), Is.EqualTo("hello world\n"));
        Assert.That(Tool.Ok("cat", P("dir/nested.txt")), Is.EqualTo("nested\n"));
        Assert.That(Tool.Ok("cat", P("many/e01234")), Is.EqualTo("e01234\n"));
    }

    [TestCase("big.bin")]
    [TestCase("direct.bin")]
    public void Dd_LargeFile_MatchesGeneratedContent(string name)
    {
        string sha = Tool.Ok("bash", "-c", $"dd if='{P(name)}' bs=1M status=none | sha256sum").Split(' ')[0];
        Assert.That(sha, Is.EqualTo(ExpectedBigSha256()));
        string tail = Tool.Ok("bash", "-c", $"dd if='{P(name)}' bs=4096 skip=2048 count=1 status=none | od -An -tx1 -N4 | tr -d ' \\n'");
        Assert.That(tail, Is.EqualTo(Convert.ToHexStringLower(
            [TestFileSystem.ContentByte(8388608), TestFileSystem.ContentByte(8388609), TestFileSystem.ContentByte(8388610), TestFileSystem.ContentByte(8388611)])));
    }

    [Test]
    public void Find_WalksWholeTree()
    {
        string[] paths = Tool.Ok("find", _mounted.Mountpoint).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(paths, Has.Length.EqualTo(1 + 7 + 1 + TestFileSystem.ManyCount));
        Assert.That(paths, Does.Contain(P("dir/nested.txt")));
        Assert.That(paths, Does.Contain(P("many/e01999")));
        Assert.That(Tool.Ok("find", _mounted.Mountpoint, "-type", "l").Trim(), Is.EqualTo(P("link")));
    }

    [Test]
    public void Getfattr_DumpsAndReportsMissing()
    {
        string dump = Tool.Ok("getfattr", "-d", "--absolute-names", P("hello.txt"));
        Assert.That(dump, Does.Contain("user.color=\"blue\""));
        Assert.That(dump, Does.Contain("user.empty"));
        Tool.Result missing = Tool.Run("getfattr", "-n", "user.nope", "--absolute-names", P("hello.txt"));
        Assert.That(missing.ExitCode, Is.Not.EqualTo(0));
        Assert.That(missing.Stderr, Does.Contain("No such attribute"));
        Assert.That(Tool.Ok("getfattr", "-d", "--absolute-names", P("big.bin")), Is.Empty);
    }

    [Test]
    public void Readlink_ReturnsTarget()
    {
        Assert.That(Tool.Ok("readlink", P("link")).Trim(), Is.EqualTo("hello.txt"));
        Assert.That(Tool.Ok("cat", P("link")), Is.EqualTo("hello world\n"), "the kernel follows it");
    }

    [Test]
    public void Df_ShowsStatfs()
    {
        string[] line = Tool.Ok("df", "-B4096", "--output=source,size,used,avail,fstype", _mounted.Mountpoint)
            .Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(line, Is.EqualTo(new[] { "testfs-source", "1000", "900", "50", "fuse.testfs" }));
    }

    [Test]
    public void DirectSyscalls_FromTestProcess()
    {
        Assert.That(File.ReadAllBytes(P("hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
        Assert.That(Directory.GetFileSystemEntries(P("many")), Has.Length.EqualTo(TestFileSystem.ManyCount));
        Assert.That(new FileInfo(P("link")).LinkTarget, Is.EqualTo("hello.txt"));
        Assert.That(File.GetUnixFileMode(P("hello.txt")), Is.EqualTo((UnixFileMode)0x1A4));
        Assert.That(new FileInfo(P("big.bin")).Length, Is.EqualTo(TestFileSystem.BigSize));
        Assert.That(File.GetLastWriteTimeUtc(P("hello.txt")), Is.EqualTo(DateTime.UnixEpoch.AddSeconds(TestFileSystem.Mtime).AddTicks(1234567)));
        Assert.That(File.Exists(P("nope")), Is.False);
        Assert.That(Directory.Exists(P("dir")), Is.True);

        int fd = Libc.Open(P("big.bin"), Libc.OpenFlags.O_RDONLY, 0);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), Libc.LastErrno.ToString());
        try
        {
            byte[] buffer = new byte[10];
            unsafe
            {
                fixed (byte* p = buffer)
                {
                    Assert.That(Libc.Read(fd, p, 10), Is.EqualTo((nint)10));
                }
            }
            Assert.That(buffer, Is.EqualTo(Enumerable.Range(0, 10).Select(i => TestFileSystem.ContentByte(i)).ToArray()));
        }
        finally
        {
            Libc.Close(fd);
        }
        Assert.That(Libc.Open(P("nope"), Libc.OpenFlags.O_RDONLY, 0), Is.EqualTo(-1));
        Assert.That(Libc.LastErrno, Is.EqualTo(Errno.ENOENT));
    }

    [Test]
    public void SixteenConcurrentReaders_GetCorrectData()
    {
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        Thread[] threads = Enumerable.Range(0, 16).Select(t => new Thread(() =>
        {
            try
            {
                var random = new Random(t);
                string file = P(t % 4 == 3 ? "direct.bin" : "big.bin");
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
                byte[] buffer = new byte[300_000];
                for (int i = 0; i < 40; i++)
                {
                    long offset = random.NextInt64(0, TestFileSystem.BigSize);
                    int length = random.Next(1, buffer.Length);
                    int read = RandomAccess.Read(stream.SafeFileHandle, buffer.AsSpan(0, length), offset);
                    int expected = (int)Math.Min(length, TestFileSystem.BigSize - offset);
                    if (read != expected)
                    {
                        errors.Add($"thread {t}: read {read} of {expected} at {offset}");
                    }
                    for (int k = 0; k < read; k++)
                    {
                        if (buffer[k] != TestFileSystem.ContentByte(offset + k))
                        {
                            errors.Add($"thread {t}: wrong byte at {offset + k}");
                            break;
                        }
                    }
                }
            }
            catch (Exception e)
            {
                errors.Add($"thread {t}: {e}");
            }
        })).ToArray();

        foreach (Thread thread in threads)
        {
            thread.Start();
        }
        foreach (Thread thread in threads)
        {
            Assert.That(thread.Join(TimeSpan.FromSeconds(120)), Is.True, "reader finished");
        }
        Assert.That(errors, Is.Empty);
    }

    [Test]
    public void HandlerException_CallerGetsEio_MountKeepsWorking()
    {
        Tool.Result result = Tool.Run("cat", P("throws"));
        Assert.That(result.ExitCode, Is.Not.EqualTo(0));
        Assert.That(result.Stderr, Does.Contain("Input/output error"));
        Assert.That(File.ReadAllBytes(P("hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
        Assert.That(_mounted.Log.Entries.Count(e => e.Id.Id == 1000), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void Mutations_ReadOnlyFileSystem()
    {
        Tool.Result touch = Tool.Run("touch", P("new-file"));
        Assert.That(touch.Stderr, Does.Contain("Read-only file system"));
        Tool.Result mkdir = Tool.Run("mkdir", P("new-dir"));
        Assert.That(mkdir.Stderr, Does.Contain("Read-only file system"));
        Tool.Result setfattr = Tool.Run("setfattr", "-n", "user.x", "-v", "1", P("hello.txt"));
        Assert.That(setfattr.Stderr, Does.Contain("Read-only file system"));
    }

    [Test]
    public void LookupCounts_ReaddirplusAndLookupCounted_ForgetReleasesAll()
    {
        Tool.Ok("ls", "-l", P("many"));
        Tool.Ok("stat", P("many/e00007"));
        long counted = Enumerable.Range(0, TestFileSystem.ManyCount)
            .Count(i => _mounted.FileSystem.LookupCount(TestFileSystem.FirstManyChild + (ulong)i) > 0);
        Assert.That(counted, Is.EqualTo(TestFileSystem.ManyCount), "every listed entry holds a lookup");

        // Let the kernel evict the unused inodes: it sends FORGET / BATCH_FORGET for each.
        File.WriteAllText("/proc/sys/vm/drop_caches", "2");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long remaining;
        do
        {
            Thread.Sleep(100);
            remaining = Enumerable.Range(0, TestFileSystem.ManyCount)
                .Sum(i => _mounted.FileSystem.LookupCount(TestFileSystem.FirstManyChild + (ulong)i));
        }
        while (remaining != 0 && DateTime.UtcNow < deadline);

        Assert.That(remaining, Is.EqualTo(0), "all lookups forgotten");
        Assert.That(Enumerable.Range(0, TestFileSystem.ManyCount)
            .Min(i => _mounted.FileSystem.LookupCount(TestFileSystem.FirstManyChild + (ulong)i)), Is.EqualTo(0), "never negative");
    }
}
