using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Protocol;
using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>The session's Dispatch allocates nothing in steady state: parsing, dispatch, the reply written in place and
/// the writev. Measured on this thread around Dispatch over a socketpair (not /dev/fuse: the reader-thread and
/// io_uring loops around it are measured on a real mount by MountedAllocationTests), with the (non-allocating) test
/// server's filesystem behind it, and the sample's (it should not teach allocating code); a control filesystem that
/// allocates shows the measurement can see it. One window of 3000 rounds after a warm-up must allocate less than one
/// byte per request: the smallest object (24 bytes) allocated in one request of 24 breaks that bound, one-off runtime
/// work on this thread (a late tier-up) stays far below it.</summary>
public class AllocationTests
{
    private static readonly byte[] s_init = RequestBuilder.Init(1, SessionHarness.KernelFlags);

    [Test]
    public void DispatchOverSocketPair_SteadyState_AllocatesNothing()
    {
        var fileSystem = new TestServer.TestServerFileSystem(1 << 30, 1000, TimeSpan.FromSeconds(1), FuseOpenFlags.None);
        byte[][] requests =
        [
            RequestBuilder.Build(FuseOpcode.Lookup, 2, 1, RequestBuilder.NameZ("big")),
            RequestBuilder.Build(FuseOpcode.Lookup, 3, 5, RequestBuilder.NameZ("f000123")),
            RequestBuilder.Build(FuseOpcode.Getattr, 4, 3, new byte[16]),
            RequestBuilder.Read(FuseOpcode.Read, 5, 3, 0, 4096, 128 * 1024),
            RequestBuilder.Read(FuseOpcode.Readdirplus, 6, 5, 0, 0, 4096),
            RequestBuilder.Read(FuseOpcode.Readdir, 7, 5, 0, 100, 4096),
            RequestBuilder.Build(FuseOpcode.Getxattr, 8, 2, RequestBuilder.Concat(
                RequestBuilder.Struct(new FuseGetxattrIn { Size = 0 }), RequestBuilder.NameZ("user.greeting"))),
            RequestBuilder.Build(FuseOpcode.Forget, 9, 3, RequestBuilder.Struct(new FuseForgetIn { Nlookup = 1 })),
            RequestBuilder.Build(FuseOpcode.Statfs, 10, 1, []),
            RequestBuilder.Build(9999, 11, 1, []),
            RequestBuilder.Build(FuseOpcode.Mkdir, 12, 1, new byte[16]),
        ];

        long bytes = MeasureWindow(fileSystem, requests);

        Assert.That(bytes, Is.LessThan(Rounds * requests.Length), $"less than one byte per request over {Rounds * requests.Length} requests");
    }

    [Test]
    public void DispatchOverSocketPair_SteadyState_Sample_AllocatesNothing()
    {
        var fileSystem = new HelloFs.HelloFileSystem(1 << 30, 1000); // node ids: 1 root, 2 hello.txt, 3 big, 4 many
        byte[][] requests =
        [
            RequestBuilder.Build(FuseOpcode.Lookup, 2, 1, RequestBuilder.NameZ("big")),
            RequestBuilder.Build(FuseOpcode.Lookup, 3, 4, RequestBuilder.NameZ("f000123")),
            RequestBuilder.Build(FuseOpcode.Lookup, 4, 4, RequestBuilder.NameZ("missing")),
            RequestBuilder.Build(FuseOpcode.Getattr, 5, 3, new byte[16]),
            RequestBuilder.Build(FuseOpcode.Open, 6, 3, RequestBuilder.Struct(new FuseOpenIn())),
            RequestBuilder.Read(FuseOpcode.Read, 7, 3, 0, 4096, 128 * 1024),
            RequestBuilder.Read(FuseOpcode.Read, 8, 2, 0, 0, 4096),
            RequestBuilder.Build(FuseOpcode.Opendir, 9, 4, RequestBuilder.Struct(new FuseOpenIn())),
            RequestBuilder.Read(FuseOpcode.Readdirplus, 10, 4, 0, 0, 4096),
            RequestBuilder.Read(FuseOpcode.Readdirplus, 11, 1, 0, 0, 4096),
            RequestBuilder.Build(FuseOpcode.Getxattr, 12, 2, RequestBuilder.Concat(
                RequestBuilder.Struct(new FuseGetxattrIn { Size = 0 }), RequestBuilder.NameZ("user.greeting"))),
            RequestBuilder.Build(FuseOpcode.Forget, 13, 3, RequestBuilder.Struct(new FuseForgetIn { Nlookup = 1 })),
        ];

        long bytes = MeasureWindow(fileSystem, requests);

        Assert.That(bytes, Is.LessThan(Rounds * requests.Length), $"less than one byte per request over {Rounds * requests.Length} requests");
    }

    [Test]
    public void Control_AllocatingFileSystem_IsMeasured()
    {
        long bytes = MeasureWindow(new AllocatingFileSystem(), [RequestBuilder.Build(FuseOpcode.Getattr, 2, 1, new byte[16])]);
        Assert.That(bytes, Is.GreaterThanOrEqualTo(Rounds * 40), "one array of 16 bytes (40 with its header) per request");
    }

    private const int Rounds = 3000;

    /// <summary>Warms up with 1000 rounds, then returns the bytes this thread allocated in <see cref="Rounds"/> more.</summary>
    private static unsafe long MeasureWindow(IFuseFileSystem fileSystem, byte[][] requests)
    {
        using var harness = new SessionHarness(fileSystem, start: false);
        using DeviceChannel channel = harness.Session.OpenDeviceChannel();
        byte[] drain = GC.AllocateArray<byte>(1 << 20, pinned: true);
        byte* drainPointer = (byte*)Unsafe.AsPointer(ref drain[0]);
        int kernelFd = harness.KernelFd;

        void Round()
        {
            foreach (byte[] request in requests)
            {
                harness.Session.Dispatch(request, channel);
                if (request[4] != (byte)FuseOpcode.Forget && Libc.Read(kernelFd, drainPointer, (nuint)drain.Length) <= 0)
                {
                    throw new InvalidOperationException("no reply"); // (no Assert here: it allocates)
                }
            }
        }

        harness.Session.Dispatch(s_init, channel);
        Libc.Read(kernelFd, drainPointer, (nuint)drain.Length);
        for (int i = 0; i < 1000; i++)
        {
            Round();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Rounds; i++)
        {
            Round();
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private sealed class AllocatingFileSystem : FuseFileSystemBase
    {
        public override Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
        {
            byte[] garbage = new byte[16];
            attr = new FuseAttr { Ino = (ulong)garbage.Length, Mode = FuseConstants.S_IFDIR | 0x1ED, Nlink = 2 };
            attrTimeout = TimeSpan.Zero;
            return Errno.OK;
        }
    }
}
