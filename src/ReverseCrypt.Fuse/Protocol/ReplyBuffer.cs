using System.Runtime.InteropServices;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Protocol;

/// <summary>
/// Where one reply is built: native memory that never moves, reused for every reply. Payloads (READ data, directory
/// entries, attributes) are produced in place at <see cref="PayloadPointer"/>.
/// <list type="bullet">
/// <item>Device replies (reader threads): the <c>fuse_out_header</c> sits in the first 16 bytes of one page-aligned
/// block, the payload right after it, and <see cref="Send"/> writes both with one <c>writev</c>.</item>
/// <item>io_uring replies (<see cref="ForRingEntry"/>): the header goes into the ring entry's header block and the
/// payload is written straight into the entry's payload buffer; <see cref="Send"/> only stages the reply, and the
/// ring worker commits it (or commits early through <see cref="Flush"/>).</item>
/// </list>
/// </summary>
internal sealed unsafe class ReplyBuffer : IDisposable
{
    public const int HeaderSize = 16;

    /// <summary>Offset of <c>fuse_uring_ent_in_out.payload_sz</c> in <c>struct fuse_uring_req_header</c>
    /// (in_out[128], op_in[128], then flags u64, commit_id u64, payload_sz u32).</summary>
    internal const int RingPayloadSizeOffset = 128 + 128 + 16;

    private readonly IRingCommit? _ring;
    private byte* _memory;
    private byte* _header;
    private byte* _payload;

    public ReplyBuffer(int payloadCapacity)
    {
        PayloadCapacity = payloadCapacity;
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)(HeaderSize + payloadCapacity), 4096);
        _header = _memory;
        _payload = _memory + HeaderSize;
    }

    private ReplyBuffer(byte* ringHeader, byte* payload, int payloadCapacity, IRingCommit ring)
    {
        PayloadCapacity = payloadCapacity;
        _header = ringHeader;
        _payload = payload;
        _ring = ring;
    }

    /// <summary>A reply that lives in an io_uring ring entry (memory owned by the caller).</summary>
    internal static ReplyBuffer ForRingEntry(byte* ringHeader, byte* payload, int payloadCapacity, IRingCommit ring) =>
        new(ringHeader, payload, payloadCapacity, ring);

    public int PayloadCapacity { get; }

    public byte* Header => _header;

    public byte* PayloadPointer => _payload;

    public Span<byte> Payload => new(_payload, PayloadCapacity);

    /// <summary>The reply lives in an io_uring ring entry.</summary>
    public bool IsRing => _ring is not null;

    /// <summary>For ring replies: a reply has been staged since the ring worker last cleared it.</summary>
    internal bool Staged { get; set; }

    /// <summary>Fills the header and sends header + <paramref name="payloadLength"/> payload bytes as one message
    /// (device), or stages them for the ring worker's commit (io_uring). Returns OK, or the errno of the write (after
    /// retrying EINTR).</summary>
    public Errno Send(int fd, ulong unique, Errno error, int payloadLength)
    {
        if (error != Errno.OK)
        {
            payloadLength = 0;
        }
        ref FuseOutHeader header = ref *(FuseOutHeader*)_header;
        header.Len = (uint)(HeaderSize + payloadLength);
        header.Error = -(int)error;
        header.Unique = unique;
        if (_ring is not null)
        {
            *(uint*)(_header + RingPayloadSizeOffset) = (uint)payloadLength;
            Staged = true;
            return Errno.OK;
        }
        Libc.Iovec* iov = stackalloc Libc.Iovec[2];
        iov[0] = new Libc.Iovec { Base = _header, Length = HeaderSize };
        iov[1] = new Libc.Iovec { Base = _payload, Length = (nuint)payloadLength };
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

    /// <summary>Makes sure a staged reply has reached the kernel before work that may take a while (device replies
    /// are sent at once; ring replies are committed now instead of with the next wait).</summary>
    public void Flush()
    {
        if (_ring is not null && Staged)
        {
            _ring.CommitNow(this);
        }
    }

    public void Dispose()
    {
        if (_memory != null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
            _header = null;
            _payload = null;
        }
    }
}

/// <summary>The ring worker that owns a ring reply, for <see cref="ReplyBuffer.Flush"/>.</summary>
internal interface IRingCommit
{
    void CommitNow(ReplyBuffer reply);
}
