namespace ReverseCrypt.Fuse;

/// <summary>
/// Who sent the request being handled: the fields of <c>struct fuse_in_header</c>. Available to filesystem methods
/// through <see cref="Current"/> (per reader thread, no allocation).
/// </summary>
public readonly struct FuseRequestContext
{
    [ThreadStatic]
    private static FuseRequestContext t_current;

    [ThreadStatic]
    private static Action<object?>? t_afterReply;

    [ThreadStatic]
    private static object? t_afterReplyState;

    public FuseRequestContext(ulong unique, uint opcode, ulong nodeId, uint uid, uint gid, uint pid)
    {
        Unique = unique;
        Opcode = opcode;
        NodeId = nodeId;
        Uid = uid;
        Gid = gid;
        Pid = pid;
    }

    /// <summary>The request being handled on this thread (default outside a request).</summary>
    public static FuseRequestContext Current => t_current;

    public ulong Unique { get; }
    public uint Opcode { get; }
    public ulong NodeId { get; }
    /// <summary>Caller's effective uid (in the mount's user namespace).</summary>
    public uint Uid { get; }
    public uint Gid { get; }
    /// <summary>Caller's thread id; 0 when the kernel sends the request on its own behalf (e.g. readahead).</summary>
    public uint Pid { get; }

    /// <summary>
    /// Inside a filesystem method: runs <paramref name="work"/>(<paramref name="state"/>) right after the reply to the
    /// current request was sent (the caller then already goes on): on this reader thread before it reads the next
    /// request, or, for a request that came through io_uring (whose worker is pinned to the caller's CPU), on a thread
    /// pool thread. For work the next requests will need, e.g. the rest of a directory listing while the kernel takes
    /// in the first part. One per request (a second call replaces the first); exceptions are logged. Keep it short
    /// and thread-safe: it may run while other requests are served.
    /// </summary>
    public static void RunAfterReply(Action<object?> work, object? state)
    {
        ArgumentNullException.ThrowIfNull(work);
        t_afterReply = work;
        t_afterReplyState = state;
    }

    internal static void Set(in FuseRequestContext context) => t_current = context;

    /// <summary>Takes (and clears) the work registered with <see cref="RunAfterReply"/> on this thread.</summary>
    internal static Action<object?>? TakeAfterReply(out object? state)
    {
        var work = t_afterReply;
        state = t_afterReplyState;
        t_afterReply = null;
        t_afterReplyState = null;
        return work;
    }
}
