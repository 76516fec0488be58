using System.Runtime.InteropServices;
using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>
/// The real request loops allocate nothing per request in steady state, measured on a real mount: the test server's
/// filesystem mounted in this process with direct_io (so that every read reaches it), a steady load of 128 KiB reads,
/// and the bytes allocated on each loop thread that serves them. The filesystem counts them itself, on that thread:
/// at every READ it notes <see cref="GC.GetAllocatedBytesForCurrentThread"/>, so the difference between two READs on
/// one thread is whole loop iterations: the reply's writev, the next read() of /dev/fuse or the next io_uring
/// completion and commit, parsing, dispatch, and any other request that thread served in between. Each loop is
/// measured explicitly: the /dev/fuse reader loop with the io_uring mount option off (every pass), the io_uring worker
/// loop where the kernel switch is on (the io_uring pass); which threads served the READs is asserted, not assumed.
/// No timing decides the result, only counts: the bound is less than one byte per READ over 20,000 READs. One-off
/// runtime work on a loop thread stays far below it; the smallest object (24 bytes) allocated in one request of 24
/// breaks it. Proven by hand too: one <c>new object()</c> per request added to the reader loop
/// (FuseSession.ReaderLoop) and, separately, to the io_uring worker's loop made the matching test fail with 24 bytes
/// per READ.
/// </summary>
[Category("Mount")]
[NonParallelizable]
public class MountedAllocationTests
{
    private const int Reads = 20_000;
    private const int ReadSize = 128 * 1024;
    private const long BigSize = 1L << 30;

    [Test]
    public void DevFuseLoop_ReadLoad_AllocatesNothingPerRequest()
    {
        Measurement m = Measure(Loop.DevFuse, allocatePerRead: false);

        Assert.That(m.Intervals, Is.GreaterThanOrEqualTo(Reads - m.Threads.Count), m.ToString());
        Assert.That(m.Bytes, Is.LessThan(m.Intervals), "less than one byte per READ on the loop threads: " + m);
    }

    [Test]
    [Category("IoUring")]
    public void IoUringLoop_ReadLoad_AllocatesNothingPerRequest()
    {
        KernelIoUring.Require();
        Measurement m = Measure(Loop.IoUring, allocatePerRead: false);

        Assert.That(m.Intervals, Is.GreaterThanOrEqualTo(Reads - m.Threads.Count), m.ToString());
        Assert.That(m.Bytes, Is.LessThan(m.Intervals), "less than one byte per READ on the loop threads: " + m);
    }

    /// <summary>The measurement sees an allocation made on a loop thread per request (one 16-byte array, 40 bytes
    /// with its header, in every READ).</summary>
    [Test]
    public void Control_DevFuseLoop_OneAllocationPerRead_IsSeen()
    {
        Measurement m = Measure(Loop.DevFuse, allocatePerRead: true);

        Assert.That(m.Bytes, Is.GreaterThanOrEqualTo(40L * m.Intervals), m.ToString());
    }

    [Test]
    [Category("IoUring")]
    public void Control_IoUringLoop_OneAllocationPerRead_IsSeen()
    {
        KernelIoUring.Require();
        Measurement m = Measure(Loop.IoUring, allocatePerRead: true);

        Assert.That(m.Bytes, Is.GreaterThanOrEqualTo(40L * m.Intervals), m.ToString());
    }

    private enum Loop
    {
        DevFuse,
        IoUring,
    }

    private static unsafe Measurement Measure(Loop loop, bool allocatePerRead)
    {
        MountRequirements.Require();
        using var directory = new TempDirectory();
        string mountpoint = directory.Sub("mnt");
        var fileSystem = new ProbeFileSystem(allocatePerRead);
        var options = new FuseMountOptions { Subtype = "allocprobe", FsName = "allocprobe", IoUring = loop == Loop.IoUring };
        FuseMount mount = FuseMount.Mount(fileSystem, mountpoint, options, new ListLogger());
        try
        {
            Assert.That(mount.Connection.IoUringEnabled, Is.EqualTo(loop == Loop.IoUring), "INIT negotiated the loop under test");
            int fd = Libc.Open(Path.Combine(mountpoint, "big"), Libc.OpenFlags.O_RDONLY, 0);
            Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"open big: {Libc.LastErrno}");
            byte* buffer = (byte*)NativeMemory.AlignedAlloc(ReadSize, 4096);
            try
            {
                // Warm-up: every thread's first request, the request and reply buffers, the first tiers of the loop.
                ReadLoad(fd, buffer, Reads);
                fileSystem.StartWindow();
                ReadLoad(fd, buffer, Reads);
                Measurement m = fileSystem.EndWindow();
                Assert.That(m.Threads, Is.Not.Empty, "READs reached the filesystem");
                string prefix = loop == Loop.IoUring ? "fuse-uring-" : "fuse-reader-";
                Assert.That(m.Threads, Has.All.StartsWith(prefix), "every READ of the window was served by the loop under test: " + m);
                TestContext.Out.WriteLine(m.ToString());
                return m;
            }
            finally
            {
                NativeMemory.AlignedFree(buffer);
                Libc.Close(fd);
            }
        }
        finally
        {
            mount.Dispose();
            Tool.ForceUnmount(mountpoint);
        }
    }

    private static unsafe void ReadLoad(int fd, byte* buffer, int count)
    {
        for (int i = 0; i < count; i++)
        {
            long offset = (long)(i % 4096) * ReadSize;
            nint n = Libc.Pread(fd, buffer, ReadSize, offset);
            if (n != ReadSize || buffer[0] != (byte)(offset % 251))
            {
                Assert.Fail($"pread at {offset}: {n} ({Libc.LastErrno}), first byte {buffer[0]}");
            }
        }
    }

    internal sealed record Measurement(long Bytes, long Intervals, IReadOnlyList<string> Threads)
    {
        public override string ToString() =>
            $"{Bytes} bytes allocated over {Intervals} READ intervals on {Threads.Count} loop threads ({string.Join(", ", Threads)})";
    }

    /// <summary>The test server's filesystem (direct_io) whose READ notes the serving thread's allocated bytes.</summary>
    private sealed class ProbeFileSystem(bool allocatePerRead)
        : TestServer.TestServerFileSystem(BigSize, 10, TimeSpan.FromSeconds(1), FuseOpenFlags.DirectIo)
    {
        private readonly List<ThreadProbe> _probes = [];
        private int _generation;

        /// <summary>Where the control's allocation goes (a field: the JIT cannot drop it).</summary>
        public static object? Sink { get; private set; }

        public void StartWindow() => Interlocked.Increment(ref _generation);

        public Measurement EndWindow()
        {
            int generation = Interlocked.Increment(ref _generation) - 1;
            long bytes = 0, intervals = 0;
            var threads = new List<string>();
            lock (_probes)
            {
                foreach (ThreadProbe probe in _probes.Where(p => Volatile.Read(ref p.Generation) == generation))
                {
                    bytes += Volatile.Read(ref probe.Last) - probe.First;
                    intervals += Volatile.Read(ref probe.Reads) - 1;
                    threads.Add(probe.Name);
                }
            }
            return new Measurement(bytes, intervals, threads);
        }

        public override Errno Read(ulong nodeId, ulong fileHandle, long offset, Span<byte> buffer, out int bytesRead)
        {
            if (allocatePerRead)
            {
                Sink = new byte[16];
            }
            Errno errno = base.Read(nodeId, fileHandle, offset, buffer, out bytesRead);
            ThreadProbe probe = t_probe is { } mine && mine.Owner == this ? mine : NewProbe();
            int generation = Volatile.Read(ref _generation);
            long now = GC.GetAllocatedBytesForCurrentThread();
            if (probe.Generation != generation)
            {
                probe.First = now;
                probe.Reads = 0;
                Volatile.Write(ref probe.Generation, generation);
            }
            Volatile.Write(ref probe.Last, now);
            Volatile.Write(ref probe.Reads, probe.Reads + 1);
            return errno;
        }

        [ThreadStatic]
        private static ThreadProbe? t_probe;

        private ThreadProbe NewProbe()
        {
            var probe = new ThreadProbe { Owner = this, Name = Thread.CurrentThread.Name ?? $"thread {Environment.CurrentManagedThreadId}", Generation = -1 };
            lock (_probes)
            {
                _probes.Add(probe);
            }
            t_probe = probe;
            return probe;
        }
    }

    private sealed class ThreadProbe
    {
        public object? Owner;
        public string Name = "";
        public int Generation;
        public long First;
        public long Last;
        public long Reads;
    }
}
