using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// A real <see cref="FuseSession"/> (its reader threads, parser and writev replies) served over a
/// SOCK_SEQPACKET socketpair instead of /dev/fuse: like the device, each read returns one whole message and each
/// writev sends one. The test plays the kernel on the other end.
/// </summary>
internal sealed unsafe class SessionHarness : IDisposable
{
    public const ulong KernelFlags = 0x5fd73fffffb; // what kernel 6.18 offered in FUSE_INIT on this machine

    private readonly SafeFd _kernelEnd;

    public SessionHarness(IFuseFileSystem fileSystem, FuseMountOptions? options = null, bool start = true, ILogger? logger = null)
    {
        int* pair = stackalloc int[2];
        Assert.That(Libc.Socketpair(Libc.AF_UNIX, Libc.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0, pair), Is.EqualTo(0));
        _kernelEnd = new SafeFd(pair[0]);
        Log = new ListLogger();
        Session = new FuseSession(new SafeFd(pair[1]), fileSystem, options ?? new FuseMountOptions(), logger ?? Log);
        if (start)
        {
            Session.Start();
        }
    }

    public FuseSession Session { get; }

    public ListLogger Log { get; }

    public int KernelFd => _kernelEnd.Fd;

    public void Send(byte[] request)
    {
        fixed (byte* p = request)
        {
            Assert.That(Libc.Write(_kernelEnd.Fd, p, (nuint)request.Length), Is.EqualTo((nint)request.Length), "write request");
        }
    }

    /// <summary>Reads the next reply (waits up to 5 s).</summary>
    public byte[] Receive()
    {
        byte[]? reply = TryReceive(5000);
        Assert.That(reply, Is.Not.Null, "no reply within 5 s");
        return reply!;
    }

    /// <summary>The next reply, or null when none arrives within <paramref name="timeoutMilliseconds"/>.</summary>
    public byte[]? TryReceive(int timeoutMilliseconds)
    {
        Libc.PollFd poll = new() { Fd = _kernelEnd.Fd, Events = Libc.POLLIN };
        if (Libc.Poll(&poll, 1, timeoutMilliseconds) <= 0)
        {
            return null;
        }
        byte[] buffer = new byte[2 * 1024 * 1024];
        fixed (byte* p = buffer)
        {
            nint n = Libc.Read(_kernelEnd.Fd, p, (nuint)buffer.Length);
            Assert.That(n, Is.GreaterThan((nint)0), "read reply");
            return buffer[..(int)n];
        }
    }

    public byte[] Call(byte[] request)
    {
        Send(request);
        byte[] reply = Receive();
        Assert.That(RequestBuilder.ReadUnique(reply), Is.EqualTo(RequestBuilder.ReadUnique(request)), "reply unique");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(reply), Is.EqualTo((uint)reply.Length), "reply len field");
        return reply;
    }

    /// <summary>Sends INIT like kernel 6.18 and returns the reply.</summary>
    public byte[] Init(ulong flags = KernelFlags)
    {
        byte[] reply = Call(RequestBuilder.Init(1, flags));
        Assert.That(Error(reply), Is.EqualTo(0), "INIT error");
        Assert.That(Session.Initialized.Wait(5000), Is.True, "Initialized completes");
        return reply;
    }

    public static int Error(byte[] reply) => BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(4));

    public static Span<byte> Payload(byte[] reply) => reply.AsSpan(16);

    public static T PayloadAs<T>(byte[] reply)
        where T : unmanaged
    {
        Assert.That(reply.Length - 16, Is.EqualTo(Unsafe.SizeOf<T>()), $"payload size of {typeof(T).Name}");
        return System.Runtime.InteropServices.MemoryMarshal.Read<T>(reply.AsSpan(16));
    }

    /// <summary>Closes the "kernel" end: the readers see end of stream and the session ends.</summary>
    public void Dispose()
    {
        _kernelEnd.Dispose();
        Session.WaitForCompletion(TimeSpan.FromSeconds(5));
        Session.Dispose();
    }
}
