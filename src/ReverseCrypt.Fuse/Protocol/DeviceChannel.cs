using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Protocol;

/// <summary>
/// The /dev/fuse transport of one reader thread: read(2) returns one whole request into a pinned, page-aligned
/// buffer, and <see cref="Send"/> writes the <c>fuse_out_header</c> and the payload with one writev(2). Serves any
/// descriptor that behaves like the device (one message per read and per write), e.g. a SOCK_SEQPACKET socket.
/// After-reply work runs inline: the reply is already with the kernel when writev returns.
/// </summary>
internal sealed unsafe class DeviceChannel : IFuseChannel, IDisposable
{
    private readonly int _fd;
    private readonly int _requestSize;
    private readonly ILogger _logger;
    private byte* _request;

    public DeviceChannel(int fd, int requestSize, int replyPayloadCapacity, int opcodeSlots, ILogger logger)
    {
        _fd = fd;
        _requestSize = requestSize;
        _logger = logger;
        _request = (byte*)NativeMemory.AlignedAlloc((nuint)requestSize, 4096);
        Reply = new ReplyBuffer(replyPayloadCapacity);
        RequestsByOpcode = new long[opcodeSlots];
    }

    public ReplyBuffer Reply { get; }

    public long[] RequestsByOpcode { get; }

    public bool TryReceive(out ReadOnlySpan<byte> request)
    {
        while (true)
        {
            nint n = Libc.Read(_fd, _request, (nuint)_requestSize);
            if (n > 0)
            {
                request = new ReadOnlySpan<byte>(_request, (int)n);
                return true;
            }
            request = default;
            if (n == 0)
            {
                return false;
            }
            Errno errno = Libc.LastErrno;
            if (errno is Errno.EINTR or Errno.EAGAIN or Errno.ENOENT)
            {
                continue;
            }
            if (errno != Errno.ENODEV)
            {
                _logger.DeviceReadFailed(Libc.Describe(errno));
            }
            return false;
        }
    }

    public Errno Send(ulong unique, Errno error, int payloadLength)
    {
        payloadLength = Reply.WriteHeader(unique, error, payloadLength);
        Libc.Iovec* iov = stackalloc Libc.Iovec[2];
        iov[0] = new Libc.Iovec { Base = Reply.Header, Length = ReplyBuffer.HeaderSize };
        iov[1] = new Libc.Iovec { Base = Reply.PayloadPointer, Length = (nuint)payloadLength };
        int count = payloadLength > 0 ? 2 : 1;
        while (true)
        {
            nint written = Libc.Writev(_fd, iov, count);
            if (written >= 0)
            {
                return Errno.OK;
            }
            Errno errno = Libc.LastErrno;
            if (errno != Errno.EINTR)
            {
                return errno;
            }
        }
    }

    public void RunAfterReply(AfterReplyWork work) => work.Run();

    public void Dispose()
    {
        Reply.Dispose();
        if (_request != null)
        {
            NativeMemory.AlignedFree(_request);
            _request = null;
        }
    }
}
