using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Protocol;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse;

/// <summary>Request validation and dispatch through one table of operations (<see cref="Operations"/>). Every
/// handler returns the reply payload length (written in place into the reply buffer) and sets the error; the caller
/// sends exactly one reply.</summary>
public sealed partial class FuseSession
{
    private static readonly int s_inHeaderSize = Unsafe.SizeOf<FuseInHeader>();

    /// <summary>How often a malformed request may be logged (the rest are counted and named in the next line).</summary>
    private static readonly long s_malformedLogInterval = 1000;

    private long _malformedLoggedAt = long.MinValue;
    private int _malformedSuppressed;

    /// <summary>Handles one raw request (as received on <paramref name="channel"/>) and sends its reply, if it has
    /// one, on the same channel. Never throws.</summary>
    internal void Dispatch(ReadOnlySpan<byte> request, IFuseChannel channel)
    {
        if (request.Length < s_inHeaderSize)
        {
            uint opcode = request.Length >= 8 ? BinaryPrimitives.ReadUInt32LittleEndian(request[4..]) : 0;
            channel.RequestsByOpcode[Slot(opcode)]++;
            LogMalformed(opcode, request.Length, "shorter than fuse_in_header");
            if (request.Length >= 16)
            {
                SendReply(channel, BinaryPrimitives.ReadUInt64LittleEndian(request[8..]), Errno.EIO, 0);
            }
            return;
        }
        FuseInHeader header = MemoryMarshal.Read<FuseInHeader>(request);
        channel.RequestsByOpcode[Slot(header.Opcode)]++;
        ref readonly Operation operation = ref OperationOf(header.Opcode);
        int payloadLength = request.Length - s_inHeaderSize - header.TotalExtlen * 8;
        if (header.Len != (uint)request.Length || payloadLength < 0)
        {
            LogMalformed(header.Opcode, request.Length, $"header length {header.Len}, extensions {header.TotalExtlen}");
            if (operation.Replies)
            {
                SendReply(channel, header.Unique, Errno.EIO, 0);
            }
            return;
        }
        var node = new NodeId(header.NodeId);
        FuseRequestContext.Set(new FuseRequestContext(header.Unique, header.Opcode, header.NodeId, header.Uid,
            header.Gid, header.Pid));
        if (_debug)
        {
            _logger.Request(header.Unique, operation.Name, node, request.Length);
        }
        int replyLength;
        Errno error;
        try
        {
            replyLength = Handle(operation, header, request.Slice(s_inHeaderSize, payloadLength), channel.Reply, out error);
        }
        catch (Exception e)
        {
            _logger.HandlerThrew(e, operation.Name, node);
            replyLength = operation.Replies ? 0 : NoReply;
            error = Errno.EIO;
        }
        FuseRequestContext.Set(default);
        var afterReply = FuseRequestContext.TakeAfterReply(out object? afterReplyState);
        if (replyLength != NoReply)
        {
            if ((int)error is < 0 or > 4095)
            {
                error = Errno.EIO;
            }
            SendReply(channel, header.Unique, error, replyLength);
            if (header.Opcode == (uint)FuseOpcode.Init)
            {
                CompleteInit(error);
            }
        }
        if (afterReply is not null)
        {
            channel.RunAfterReply(new AfterReplyWork(this, afterReply, afterReplyState, header.Opcode, node));
        }
    }

    /// <summary>Runs work registered with <see cref="FuseRequestContext.RunAfterReply"/>, wherever the channel
    /// chose; an exception is logged.</summary>
    internal void RunAfterReply(in AfterReplyWork work)
    {
        try
        {
            work.Work(work.State);
        }
        catch (Exception e)
        {
            _logger.HandlerThrew(e, OperationOf(work.Opcode).Name, work.Node);
        }
    }

    private void SendReply(IFuseChannel channel, ulong unique, Errno error, int payloadLength)
    {
        if (_debug)
        {
            _logger.Reply(unique, error.ToString(), error == Errno.OK ? payloadLength : 0);
        }
        Errno result = channel.Send(unique, error, payloadLength);
        // ENOENT: the request was interrupted or its caller went away; nothing to do.
        if (result != Errno.OK && result != Errno.ENOENT)
        {
            _logger.ReplyFailed(Libc.Describe(result));
        }
    }

    /// <summary>The checks every request passes before its handler runs (connection state, minimum argument size),
    /// then the handler.</summary>
    private int Handle(in Operation operation, in FuseInHeader header, ReadOnlySpan<byte> payload, ReplyBuffer reply,
        out Errno error)
    {
        if (_connection is null && header.Opcode != (uint)FuseOpcode.Init)
        {
            // Nothing but INIT may come first; the kernel never does this.
            error = operation.Replies ? Errno.EIO : Errno.OK;
            return operation.Replies ? 0 : NoReply;
        }
        if (payload.Length < operation.MinimumInput)
        {
            return Invalid(operation, header, $"{payload.Length} argument bytes, at least {operation.MinimumInput} expected", out error);
        }
        var reader = new RequestReader(payload);
        return operation.Handler(this, header, ref reader, reply, out error);
    }

    /// <summary>Answers a malformed request: EINVAL (nothing for a request without a reply) and one rate-limited log
    /// line naming the opcode.</summary>
    private int Invalid(in Operation operation, in FuseInHeader header, string problem, out Errno error)
    {
        LogMalformed(header.Opcode, (int)header.Len, problem);
        error = operation.Replies ? Errno.EINVAL : Errno.OK;
        return operation.Replies ? 0 : NoReply;
    }

    /// <summary>At most one line per <see cref="s_malformedLogInterval"/> ms: a kernel (or peer) that keeps sending
    /// garbage cannot flood the log; the next line says how many were left out.</summary>
    private void LogMalformed(uint opcode, int length, string problem)
    {
        long now = Environment.TickCount64;
        long last = Volatile.Read(ref _malformedLoggedAt);
        if ((last != long.MinValue && now - last < s_malformedLogInterval)
            || Interlocked.CompareExchange(ref _malformedLoggedAt, now, last) != last)
        {
            Interlocked.Increment(ref _malformedSuppressed);
            return;
        }
        _logger.MalformedRequest(OperationOf(opcode).Name, opcode, length, problem,
            Interlocked.Exchange(ref _malformedSuppressed, 0));
    }

    private static unsafe ref T ReplyAs<T>(ReplyBuffer reply)
        where T : unmanaged
    {
        ref T value = ref Unsafe.AsRef<T>(reply.PayloadPointer);
        value = default;
        return ref value;
    }

    private static int Lookup(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        if (!reader.TryReadName(out ReadOnlySpan<byte> name))
        {
            return session.Invalid(OperationOf(header.Opcode), header, "name without NUL", out error);
        }
        error = session._fileSystem.Lookup(header.NodeId, name, out ReplyAs<FuseEntry>(reply));
        return Unsafe.SizeOf<FuseEntry>();
    }

    private static int Forget(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        reader.TryRead(out FuseForgetIn forget); // the table checked the size
        session._fileSystem.Forget(header.NodeId, forget.Nlookup);
        error = Errno.OK;
        return NoReply;
    }

    private static int BatchForget(FuseSession session, in FuseInHeader header, ref RequestReader reader,
        ReplyBuffer reply, out Errno error)
    {
        reader.TryRead(out FuseBatchForgetIn batch);
        for (uint i = 0; i < batch.Count; i++)
        {
            if (!reader.TryRead(out FuseForgetOne one))
            {
                return session.Invalid(OperationOf(header.Opcode), header, "fewer forget entries than counted", out error);
            }
            session._fileSystem.Forget(one.NodeId, one.Nlookup);
        }
        error = Errno.OK;
        return NoReply;
    }

    private static int Getattr(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        FileHandle? handle = null;
        if (reader.TryRead(out FuseGetattrIn getattr) && (getattr.GetattrFlags & FuseAbi.GetattrFh) != 0)
        {
            handle = new FileHandle(getattr.Fh);
        }
        ref FuseAttrOut attrOut = ref ReplyAs<FuseAttrOut>(reply);
        error = session._fileSystem.Getattr(header.NodeId, handle?.Value, out attrOut.Attr, out TimeSpan timeout);
        FuseTimeout.Split(timeout, out attrOut.AttrValid, out attrOut.AttrValidNsec);
        return Unsafe.SizeOf<FuseAttrOut>();
    }

    private static int Readlink(FuseSession session, in FuseInHeader header, ref RequestReader reader,
        ReplyBuffer reply, out Errno error)
    {
        Span<byte> target = reply.Payload[..FuseConstants.MaxSymlinkLength];
        error = session._fileSystem.Readlink(header.NodeId, target, out int length);
        return session.CheckedLength(error, length, target.Length, new NodeId(header.NodeId), "Readlink", ref error);
    }

    private static int Open(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        reader.TryRead(out FuseOpenIn open);
        ref FuseOpenOut openOut = ref ReplyAs<FuseOpenOut>(reply);
        error = header.Opcode == (uint)FuseOpcode.Opendir
            ? session._fileSystem.Opendir(header.NodeId, (int)open.Flags, out openOut.Fh, out FuseOpenFlags flags)
            : session._fileSystem.Open(header.NodeId, (int)open.Flags, out openOut.Fh, out flags);
        openOut.OpenFlags = (uint)flags;
        return Unsafe.SizeOf<FuseOpenOut>();
    }

    private static int Read(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        reader.TryRead(out FuseReadIn read);
        if (read.Size > (uint)reply.PayloadCapacity || read.Offset > long.MaxValue)
        {
            return session.Invalid(OperationOf(header.Opcode), header, $"size {read.Size} at offset {read.Offset}", out error);
        }
        Span<byte> buffer = reply.Payload[..(int)read.Size];
        var handle = new FileHandle(read.Fh);
        error = session._fileSystem.Read(header.NodeId, handle.Value, (long)read.Offset, buffer, out int bytesRead);
        return session.CheckedLength(error, bytesRead, buffer.Length, new NodeId(header.NodeId), "Read", ref error);
    }

    private static int Readdir(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        reader.TryRead(out FuseReadIn read);
        if (read.Size > (uint)reply.PayloadCapacity || read.Offset > long.MaxValue)
        {
            return session.Invalid(OperationOf(header.Opcode), header, $"size {read.Size} at offset {read.Offset}", out error);
        }
        bool plus = header.Opcode == (uint)FuseOpcode.Readdirplus;
        var writer = new FuseDirectoryWriter(reply.Payload[..(int)read.Size], plus);
        var handle = new FileHandle(read.Fh);
        error = plus
            ? session._fileSystem.Readdirplus(header.NodeId, handle.Value, (long)read.Offset, ref writer)
            : session._fileSystem.Readdir(header.NodeId, handle.Value, (long)read.Offset, ref writer);
        return writer.Length;
    }

    private static int Flush(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        reader.TryRead(out FuseFlushIn flush);
        error = session._fileSystem.Flush(header.NodeId, new FileHandle(flush.Fh).Value, flush.LockOwner);
        return 0;
    }

    private static int Release(FuseSession session, in FuseInHeader header, ref RequestReader reader,
        ReplyBuffer reply, out Errno error)
    {
        reader.TryRead(out FuseReleaseIn release);
        var handle = new FileHandle(release.Fh);
        error = header.Opcode == (uint)FuseOpcode.Releasedir
            ? session._fileSystem.Releasedir(header.NodeId, handle.Value, (int)release.Flags)
            : session._fileSystem.Release(header.NodeId, handle.Value, (int)release.Flags);
        return 0;
    }

    private static int Statfs(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        error = session._fileSystem.Statfs(header.NodeId, out ReplyAs<FuseStatfs>(reply));
        return Unsafe.SizeOf<FuseStatfs>();
    }

    private static int Getxattr(FuseSession session, in FuseInHeader header, ref RequestReader reader,
        ReplyBuffer reply, out Errno error)
    {
        reader.TryRead(out FuseGetxattrIn getxattr);
        if (!reader.TryReadName(out ReadOnlySpan<byte> name))
        {
            return session.Invalid(OperationOf(header.Opcode), header, "name without NUL", out error);
        }
        var node = new NodeId(header.NodeId);
        if (getxattr.Size == 0)
        {
            error = session._fileSystem.Getxattr(node.Value, name, Span<byte>.Empty, out int needed);
            return session.SizeProbeReply(reply, error, needed, node, "Getxattr", ref error);
        }
        Span<byte> value = reply.Payload[..(int)Math.Min(getxattr.Size, (uint)reply.PayloadCapacity)];
        error = session._fileSystem.Getxattr(node.Value, name, value, out int length);
        return session.XattrLength(error, length, value.Length, node, "Getxattr", ref error);
    }

    private static int Listxattr(FuseSession session, in FuseInHeader header, ref RequestReader reader,
        ReplyBuffer reply, out Errno error)
    {
        reader.TryRead(out FuseGetxattrIn listxattr);
        var node = new NodeId(header.NodeId);
        if (listxattr.Size == 0)
        {
            error = session._fileSystem.Listxattr(node.Value, Span<byte>.Empty, out int needed);
            return session.SizeProbeReply(reply, error, needed, node, "Listxattr", ref error);
        }
        Span<byte> list = reply.Payload[..(int)Math.Min(listxattr.Size, (uint)reply.PayloadCapacity)];
        error = session._fileSystem.Listxattr(node.Value, list, out int length);
        return session.XattrLength(error, length, list.Length, node, "Listxattr", ref error);
    }

    private static int Access(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        reader.TryRead(out FuseAccessIn access);
        error = session._fileSystem.Access(header.NodeId, (int)access.Mask);
        return 0;
    }

    private static int Init(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error) => session.HandleInit(ref reader, reply, out error);

    private static int Destroy(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        session.DestroyFileSystemOnce();
        error = Errno.OK;
        return 0;
    }

    /// <summary>INTERRUPT and NOTIFY_REPLY: interrupted requests are answered normally when they finish.</summary>
    private static int Ignore(FuseSession session, in FuseInHeader header, ref RequestReader reader, ReplyBuffer reply,
        out Errno error)
    {
        error = Errno.OK;
        return NoReply;
    }

    /// <summary>Mutations: EROFS on a read-only mount, else ENOSYS.</summary>
    private static int Mutation(FuseSession session, in FuseInHeader header, ref RequestReader reader,
        ReplyBuffer reply, out Errno error)
    {
        error = session._options.ReadOnly ? Errno.EROFS : Errno.ENOSYS;
        return 0;
    }

    /// <summary>STATX (the kernel then falls back to GETATTR), locks, ioctl, poll, lseek, fsync, unknown opcodes.</summary>
    private static int NotImplemented(FuseSession session, in FuseInHeader header, ref RequestReader reader,
        ReplyBuffer reply, out Errno error)
    {
        error = Errno.ENOSYS;
        return 0;
    }

    private int SizeProbeReply(ReplyBuffer reply, Errno result, int needed, NodeId node, string method, ref Errno error)
    {
        if (result != Errno.OK)
        {
            return 0;
        }
        if (needed < 0)
        {
            _logger.InvalidLength(method, node, needed, 0);
            error = Errno.EIO;
            return 0;
        }
        ReplyAs<FuseGetxattrOut>(reply).Size = (uint)needed;
        return Unsafe.SizeOf<FuseGetxattrOut>();
    }

    private int XattrLength(Errno result, int length, int capacity, NodeId node, string method, ref Errno error)
    {
        if (result == Errno.OK && length > capacity)
        {
            error = Errno.ERANGE;
            return 0;
        }
        return CheckedLength(result, length, capacity, node, method, ref error);
    }

    private int CheckedLength(Errno result, int length, int capacity, NodeId node, string method, ref Errno error)
    {
        if (result != Errno.OK)
        {
            return 0;
        }
        if ((uint)length > (uint)capacity)
        {
            _logger.InvalidLength(method, node, length, capacity);
            error = Errno.EIO;
            return 0;
        }
        return length;
    }
}
