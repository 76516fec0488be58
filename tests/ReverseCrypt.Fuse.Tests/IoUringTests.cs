using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>Proof that the io_uring pass really goes through the ring (the mount suites themselves run over both
/// transports: see tests/run).</summary>
[Category("Mount")]
[Category("IoUring")]
[NonParallelizable]
public class IoUringTransportTests
{
    [Test]
    public void Requests_GoThroughIoUring()
    {
        KernelIoUring.Require();
        using var mounted = new MountedTestFileSystem();
        Assert.That(mounted.Mount.Connection.IoUringEnabled, Is.True, "INIT negotiated FUSE_OVER_IO_URING");
        long before = mounted.Mount.Session.IoUringRequestCount;
        for (int i = 0; i < 50; i++)
        {
            Assert.That(File.ReadAllBytes(mounted.Path("hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
        }
        Tool.Ok("ls", "-l", mounted.Path("many"));
        Assert.That(mounted.Mount.Session.IoUringRequestCount - before, Is.GreaterThanOrEqualTo(50),
            "each open/read/release of hello.txt is a ring request");
        Assert.That(mounted.Log.Entries.Select(e => e.Message), Has.Some.Contains("FUSE over io_uring"));
    }
}

/// <summary>Lifecycle of the io_uring transport: fallback when the kernel says no, clean ends, stale recovery.</summary>
[Category("Mount")]
[Category("IoUring")]
[NonParallelizable]
public class IoUringLifecycleTests
{
    [Test]
    public void OptionOff_ServesThroughDevice()
    {
        KernelIoUring.Require();
        using var mounted = new MountedTestFileSystem(new FuseMountOptions { Subtype = "testfs", IoUring = false });
        Assert.That(File.ReadAllBytes(mounted.Path("hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
        Assert.That(mounted.Mount.Connection.IoUringEnabled, Is.False);
        Assert.That(mounted.Mount.Session.IoUringRequestCount, Is.Zero);
    }

    [Test]
    public void Unmount_EndsEveryWorker_CallsDestroy()
    {
        KernelIoUring.Require();
        using var mounted = new MountedTestFileSystem();
        Assert.That(File.ReadAllBytes(mounted.Path("big.bin")), Has.Length.EqualTo(TestFileSystem.BigSize));
        Assert.That(mounted.Mount.Session.IoUringRequestCount, Is.GreaterThan(0));

        Tool.Ok("umount", mounted.Mountpoint);

        Assert.That(mounted.Mount.Session.WaitForCompletion(TimeSpan.FromSeconds(10)), Is.True,
            "reader threads and io_uring workers all stopped");
        Assert.That(mounted.FileSystem.Destroyed, Is.True);
        Assert.That(Tool.IsMounted(mounted.Mountpoint), Is.False);
    }

    [Test]
    public void AfterReplyWork_RunsOnAPoolThread_NotOnThePinnedWorker()
    {
        KernelIoUring.Require();
        using var directory = new TempDirectory();
        var fs = new AfterReplyFileSystem();
        using (FuseMount mount = FuseMount.Mount(fs, directory.Sub("mnt"), MountedTestFileSystem.DefaultOptions))
        {
            Assert.That(mount.Connection.IoUringEnabled, Is.True);
            Assert.That(Directory.GetFileSystemEntries(mount.Mountpoint), Is.Empty);
            Assert.That(fs.WorkDone.Wait(TimeSpan.FromSeconds(10)), Is.True, "the work ran");
            Assert.That(fs.HandlerThreadName, Does.StartWith("fuse-uring-"), "the request came through io_uring");
            Assert.That(fs.WorkThreadIsPool, Is.True, "the work ran on a thread pool thread");
            Assert.That(fs.WorkThreadId, Is.Not.EqualTo(fs.HandlerThreadId));
        }
    }

    /// <summary>An empty root whose first GETATTR registers after-reply work and records where things ran.</summary>
    private sealed class AfterReplyFileSystem : FuseFileSystemBase
    {
        private int _registered;

        public ManualResetEventSlim WorkDone { get; } = new();
        public string? HandlerThreadName { get; private set; }
        public int HandlerThreadId { get; private set; }
        public int WorkThreadId { get; private set; }
        public bool WorkThreadIsPool { get; private set; }

        public override Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
        {
            attr = new FuseAttr { Ino = 1, Mode = 0x41ed, Nlink = 2 };
            attrTimeout = TimeSpan.Zero;
            if (Interlocked.Exchange(ref _registered, 1) == 0)
            {
                HandlerThreadName = Thread.CurrentThread.Name;
                HandlerThreadId = Environment.CurrentManagedThreadId;
                FuseRequestContext.RunAfterReply(static state =>
                {
                    var self = (AfterReplyFileSystem)state!;
                    self.WorkThreadId = Environment.CurrentManagedThreadId;
                    self.WorkThreadIsPool = Thread.CurrentThread.IsThreadPoolThread;
                    self.WorkDone.Set();
                }, this);
            }
            return Errno.OK;
        }

        public override Errno Opendir(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
        {
            fileHandle = 1;
            openFlags = FuseOpenFlags.None;
            return Errno.OK;
        }

        public override Errno Readdir(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) =>
            Errno.OK;

        public override Errno Readdirplus(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer) =>
            Errno.OK;
    }
}
