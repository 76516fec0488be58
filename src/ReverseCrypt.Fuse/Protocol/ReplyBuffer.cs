using System.Runtime.InteropServices;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Protocol;

/// <summary>
/// Where one reply is built: native memory that never moves, reused for every reply. Payloads (READ data, directory
/// entries, attributes) are produced in place at <see cref="PayloadPointer"/>; the channel that owns the buffer sends
/// it.
/// <list type="bullet">
/// <item>/dev/fuse (<see cref="DeviceChannel"/>): the <c>fuse_out_header</c> sits in the first 16 bytes of one
/// page-aligned block, the payload right after it; one <c>writev</c> sends both.</item>
/// <item>io_uring (<see cref="ForRingEntry"/>): the header goes into the ring entry's header block and the payload
/// straight into the entry's payload buffer; the ring worker commits the entry.</item>
/// </list>
/// </summary>
internal sealed unsafe class ReplyBuffer : IDisposable
{
    public const int HeaderSize = 16;

    /// <summary>Offset of <c>fuse_uring_ent_in_out.payload_sz</c> in <c>struct fuse_uring_req_header</c>
    /// (in_out[128], op_in[128], then flags u64, commit_id u64, payload_sz u32).</summary>
    internal const int RingPayloadSizeOffset = 128 + 128 + 16;

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

    private ReplyBuffer(byte* ringHeader, byte* payload, int payloadCapacity)
    {
        PayloadCapacity = payloadCapacity;
        _header = ringHeader;
        _payload = payload;
    }

    /// <summary>A reply that lives in an io_uring ring entry (memory owned by the caller).</summary>
    internal static ReplyBuffer ForRingEntry(byte* ringHeader, byte* payload, int payloadCapacity) =>
        new(ringHeader, payload, payloadCapacity);

    public int PayloadCapacity { get; }

    public byte* Header => _header;

    public byte* PayloadPointer => _payload;

    public Span<byte> Payload => new(_payload, PayloadCapacity);

    /// <summary>Fills the <c>fuse_out_header</c> for a reply of <paramref name="payloadLength"/> payload bytes (none
    /// for an error) and returns the payload length that goes out.</summary>
    public int WriteHeader(ulong unique, Errno error, int payloadLength)
    {
        if (error != Errno.OK)
        {
            payloadLength = 0;
        }
        ref FuseOutHeader header = ref *(FuseOutHeader*)_header;
        header.Len = (uint)(HeaderSize + payloadLength);
        header.Error = -(int)error;
        header.Unique = unique;
        return payloadLength;
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
