using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Protocol;

/// <summary>
/// One transport of a FUSE connection, as the session sees it: take the next request, send the reply to it, and run
/// work after the reply. <see cref="DeviceChannel"/> reads and writes /dev/fuse (one per reader thread);
/// <see cref="Uring.FuseUringWorker"/> serves its ring entries. The session's loop
/// (<see cref="FuseSession.Serve"/>) and its dispatch table are the same for both; what differs between the
/// transports (where the reply is built, when it reaches the kernel, where after-reply work may run) stays here.
/// </summary>
/// <remarks>A channel is used by one thread at a time. The library sends no FUSE_NOTIFY_* messages today, so
/// there is no notify method yet; one would go here, beside <see cref="Send"/>.</remarks>
internal interface IFuseChannel
{
    /// <summary>Waits for the next request (the <c>/dev/fuse</c> layout: <c>fuse_in_header</c>, then the
    /// arguments); the span stays valid until the next call. False when the connection has ended.</summary>
    bool TryReceive(out ReadOnlySpan<byte> request);

    /// <summary>Where the reply to the request just received is built (payload in place).</summary>
    ReplyBuffer Reply { get; }

    /// <summary>Sends the reply to the request just received: <paramref name="payloadLength"/> bytes of
    /// <see cref="Reply"/>'s payload (none for an error). Returns OK or the errno of the write.</summary>
    Errno Send(ulong unique, Errno error, int payloadLength);

    /// <summary>Runs <paramref name="work"/> after the reply to the request just received has reached the
    /// kernel: inline, or on another thread when this transport's thread should not do it.</summary>
    void RunAfterReply(AfterReplyWork work);

    /// <summary>Requests received on this channel per opcode (index = opcode, the last slot counts opcodes beyond
    /// the table). Written by the channel's thread only: no shared counter on the request path.</summary>
    long[] RequestsByOpcode { get; }
}

/// <summary>Work a filesystem method registered with <see cref="FuseRequestContext.RunAfterReply"/>, with what is
/// needed to log it when it throws.</summary>
internal readonly record struct AfterReplyWork(FuseSession Session, Action<object?> Work, object? State, uint Opcode, NodeId Node)
{
    /// <summary>Runs the work; an exception is logged (it has no caller to go to).</summary>
    public void Run() => Session.RunAfterReply(this);
}
