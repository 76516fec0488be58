namespace ReverseCrypt.Fuse;

/// <summary>
/// Who sent the request being handled: the fields of <c>struct fuse_in_header</c>. Available to filesystem methods
/// through <see cref="Current"/> (per reader thread, no allocation).
/// </summary>
public readonly struct FuseRequestContext
{
    [ThreadStatic]
    private static FuseRequestContext t_current;

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

    internal static void Set(in FuseRequestContext context) => t_current = context;
}
