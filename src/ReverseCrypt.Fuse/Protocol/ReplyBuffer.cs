using System.Runtime.InteropServices;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Protocol;

/// <summary>
/// A reader thread's reply memory: native, page-aligned (so it never moves) and reused for every reply. The
/// <c>fuse_out_header</c> sits in the first 16 bytes, the payload right after it, so a reply is written with one
/// <c>writev</c> and payloads (READ data, directory entries, attributes) are produced in place.
/// </summary>
internal sealed unsafe class ReplyBuffer : IDisposable
{
    public const int HeaderSize = 16;

    private byte* _memory;

    public ReplyBuffer(int payloadCapacity)
    {
        PayloadCapacity = payloadCapacity;
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)(HeaderSize + payloadCapacity), 4096);
    }

    public int PayloadCapacity { get; }

    public byte* Header => _memory;

    public byte* PayloadPointer => _memory + HeaderSize;

    public Span<byte> Payload => new(_memory + HeaderSize, PayloadCapacity);

    /// <summary>Fills the header and writes header + <paramref name="payloadLength"/> payload bytes as one message.
    /// Returns OK, or the errno of the write (after retrying EINTR).</summary>
    public Errno Send(int fd, ulong unique, Errno error, int payloadLength)
    {
        if (error != Errno.OK)
        {
            payloadLength = 0;
        }
        ref FuseOutHeader header = ref *(FuseOutHeader*)_memory;
        header.Len = (uint)(HeaderSize + payloadLength);
        header.Error = -(int)error;
        header.Unique = unique;
        Libc.Iovec* iov = stackalloc Libc.Iovec[2];
        iov[0] = new Libc.Iovec { Base = _memory, Length = HeaderSize };
        iov[1] = new Libc.Iovec { Base = _memory + HeaderSize, Length = (nuint)payloadLength };
        int count = payloadLength > 0 ? 2 : 1;
        while (true)
        {
            nint written = Libc.Writev(fd, iov, count);
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

    public void Dispose()
    {
        if (_memory != null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
        }
    }
}
