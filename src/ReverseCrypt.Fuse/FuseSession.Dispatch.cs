using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Protocol;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse;

/// <summary>Request validation and the per-opcode handlers. Every handler returns the reply payload length (written
/// in place into the reply buffer) and sets the error; the caller sends exactly one reply.</summary>
public sealed partial class FuseSession
{
    private static readonly int s_inHeaderSize = Unsafe.SizeOf<FuseInHeader>();

    /// <summary>Handles one raw request (as read from the device) and writes its reply, if it has one, to the
    /// session's descriptor. Never throws.</summary>
    internal void Dispatch(ReadOnlySpan<byte> request, ReplyBuffer reply)
    {
        Interlocked.Increment(ref _requestCount);
        if (request.Length < s_inHeaderSize)
        {
            uint opcode = request.Length >= 8 ? BinaryPrimitives.ReadUInt32LittleEndian(request[4..]) : 0;
            _logger.MalformedRequest(opcode, request.Length, "shorter than fuse_in_header");
            if (request.Length >= 16)
            {
                SendReply(reply, BinaryPrimitives.ReadUInt64LittleEndian(request[8..]), Errno.EIO, 0);
            }
            return;
        }
        FuseInHeader header = MemoryMarshal.Read<FuseInHeader>(request);
        var opcodeValue = (FuseOpcode)header.Opcode;
        bool expectsReply = opcodeValue is not (FuseOpcode.Forget or FuseOpcode.BatchForget or FuseOpcode.Interrupt
            or FuseOpcode.NotifyReply);
        int payloadLength = request.Length - s_inHeaderSize - header.TotalExtlen * 8;
        if (header.Len != (uint)request.Length || payloadLength < 0)
        {
            _logger.MalformedRequest(header.Opcode, request.Length, $"header length {header.Len}, extensions {header.TotalExtlen}");
            if (expectsReply)
            {
                SendReply(reply, header.Unique, Errno.EIO, 0);
            }
            return;
        }
        FuseRequestContext.Set(new FuseRequestContext(header.Unique, header.Opcode, header.NodeId, header.Uid,
            header.Gid, header.Pid));
        if (_debug)
        {
            _logger.Request(header.Unique, opcodeValue.ToString(), header.NodeId, request.Length);
        }
        int replyLength;
        Errno error;
        try
        {
            replyLength = Handle(header, request.Slice(s_inHeaderSize, payloadLength), reply, out error);
        }
        catch (Exception e)
        {
            _logger.HandlerThrew(e, header.Opcode, header.NodeId);
            replyLength = expectsReply ? 0 : NoReply;
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
            SendReply(reply, header.Unique, error, replyLength);
            if (opcodeValue == FuseOpcode.Init)
            {
                CompleteInit(error);
            }
        }
        if (afterReply is not null)
        {
            if (reply.IsRing)
            {
                // An io_uring worker is pinned to its caller's CPU: work done here would only take turns with the
                // caller. Commit now and let a pool thread (on another CPU) do it while the caller takes the reply in.
                reply.Flush();
                ThreadPool.UnsafeQueueUserWorkItem(s_runAfterReply,
                    new AfterReplyWork(this, afterReply, afterReplyState, header.Opcode, header.NodeId), preferLocal: false);
                return;
            }
            RunAfterReply(afterReply, afterReplyState, header.Opcode, header.NodeId);
        }
    }

    private static readonly Action<AfterReplyWork> s_runAfterReply =
        static w => w.Session.RunAfterReply(w.Work, w.State, w.Opcode, w.NodeId);

    private void RunAfterReply(Action<object?> work, object? state, uint opcode, ulong nodeId)
    {
        try
        {
            work(state);
        }
        catch (Exception e)
        {
            _logger.HandlerThrew(e, opcode, nodeId);
        }
    }

    private sealed record AfterReplyWork(FuseSession Session, Action<object?> Work, object? State, uint Opcode, ulong NodeId);

    private void SendReply(ReplyBuffer reply, ulong unique, Errno error, int payloadLength)
    {
        if (_debug)
        {
            _logger.Reply(unique, error.ToString(), error == Errno.OK ? payloadLength : 0);
        }
        Errno result = reply.Send(_fd, unique, error, payloadLength);
        // ENOENT: the request was interrupted or its caller went away; nothing to do.
        if (result != Errno.OK && result != Errno.ENOENT)
        {
            _logger.ReplyFailed(Libc.Describe(result));
        }
    }

    private int Handle(in FuseInHeader header, ReadOnlySpan<byte> payload, ReplyBuffer reply, out Errno error)
    {
        var reader = new RequestReader(payload);
        var opcode = (FuseOpcode)header.Opcode;
        if (opcode == FuseOpcode.Init)
        {
            return HandleInit(ref reader, reply, out error);
        }
        if (_connection is null)
        {
            // Nothing but INIT may come first; the kernel never does this.
            error = opcode is FuseOpcode.Forget or FuseOpcode.BatchForget or FuseOpcode.Interrupt
                or FuseOpcode.NotifyReply ? Errno.OK : Errno.EIO;
            return error == Errno.OK ? NoReply : 0;
        }
        ulong node = header.NodeId;
        switch (opcode)
        {
            case FuseOpcode.Lookup:
                return HandleLookup(node, ref reader, reply, out error);
            case FuseOpcode.Forget:
                return HandleForget(node, ref reader, out error);
            case FuseOpcode.BatchForget:
                return HandleBatchForget(header, ref reader, out error);
            case FuseOpcode.Getattr:
                return HandleGetattr(node, ref reader, reply, out error);
            case FuseOpcode.Readlink:
                return HandleReadlink(node, reply, out error);
            case FuseOpcode.Open:
                return HandleOpen(node, ref reader, reply, directory: false, out error);
            case FuseOpcode.Opendir:
                return HandleOpen(node, ref reader, reply, directory: true, out error);
            case FuseOpcode.Read:
                return HandleRead(node, ref reader, reply, out error);
            case FuseOpcode.Readdir:
                return HandleReaddir(node, ref reader, reply, plus: false, out error);
            case FuseOpcode.Readdirplus:
                return HandleReaddir(node, ref reader, reply, plus: true, out error);
            case FuseOpcode.Flush:
                return HandleFlush(node, ref reader, out error);
            case FuseOpcode.Release:
                return HandleRelease(node, ref reader, directory: false, out error);
            case FuseOpcode.Releasedir:
                return HandleRelease(node, ref reader, directory: true, out error);
            case FuseOpcode.Statfs:
                error = _fileSystem.Statfs(node, out ReplyAs<FuseStatfs>(reply));
                return Unsafe.SizeOf<FuseStatfs>();
            case FuseOpcode.Getxattr:
                return HandleGetxattr(node, ref reader, reply, out error);
            case FuseOpcode.Listxattr:
                return HandleListxattr(node, ref reader, reply, out error);
            case FuseOpcode.Access:
                if (!reader.TryRead(out FuseAccessIn access))
                {
                    return Invalid(header, "short fuse_access_in", out error);
                }
                error = _fileSystem.Access(node, (int)access.Mask);
                return 0;
            case FuseOpcode.Interrupt:
            case FuseOpcode.NotifyReply:
                // Interrupted requests are answered normally when they finish.
                error = Errno.OK;
                return NoReply;
            case FuseOpcode.Destroy:
                DestroyFileSystemOnce();
                error = Errno.OK;
                return 0;
            case FuseOpcode.Setattr:
            case FuseOpcode.Symlink:
            case FuseOpcode.Mknod:
            case FuseOpcode.Mkdir:
            case FuseOpcode.Unlink:
            case FuseOpcode.Rmdir:
            case FuseOpcode.Rename:
            case FuseOpcode.Link:
            case FuseOpcode.Write:
            case FuseOpcode.Setxattr:
            case FuseOpcode.Removexattr:
            case FuseOpcode.Create:
            case FuseOpcode.Fallocate:
            case FuseOpcode.Rename2:
            case FuseOpcode.CopyFileRange:
            case FuseOpcode.Tmpfile:
                error = _options.ReadOnly ? Errno.EROFS : Errno.ENOSYS;
                return 0;
            default:
                // STATX (the kernel then falls back to GETATTR), locks, ioctl, poll, lseek, fsync, unknown opcodes.
                error = Errno.ENOSYS;
                return 0;
        }
    }

    private int Invalid(in FuseInHeader header, string problem, out Errno error)
    {
        _logger.MalformedRequest(header.Opcode, (int)header.Len, problem);
        error = Errno.EINVAL;
        return 0;
    }

    private static unsafe ref T ReplyAs<T>(ReplyBuffer reply)
        where T : unmanaged
    {
        ref T value = ref Unsafe.AsRef<T>(reply.PayloadPointer);
        value = default;
        return ref value;
    }

    private int HandleLookup(ulong node, ref RequestReader reader, ReplyBuffer reply, out Errno error)
    {
        if (!reader.TryReadName(out ReadOnlySpan<byte> name))
        {
            error = Errno.EINVAL;
            return 0;
        }
        error = _fileSystem.Lookup(node, name, out ReplyAs<FuseEntry>(reply));
        return Unsafe.SizeOf<FuseEntry>();
    }

    private int HandleForget(ulong node, ref RequestReader reader, out Errno error)
    {
        error = Errno.OK;
        if (reader.TryRead(out FuseForgetIn forget))
        {
            _fileSystem.Forget(node, forget.Nlookup);
        }
        return NoReply;
    }

    private int HandleBatchForget(in FuseInHeader header, ref RequestReader reader, out Errno error)
    {
        error = Errno.OK;
        if (!reader.TryRead(out FuseBatchForgetIn batch))
        {
            _logger.MalformedRequest(header.Opcode, (int)header.Len, "short fuse_batch_forget_in");
            return NoReply;
        }
        for (uint i = 0; i < batch.Count; i++)
        {
            if (!reader.TryRead(out FuseForgetOne one))
            {
                _logger.MalformedRequest(header.Opcode, (int)header.Len, "fewer forget entries than counted");
                break;
            }
            _fileSystem.Forget(one.NodeId, one.Nlookup);
        }
        return NoReply;
    }

    private int HandleGetattr(ulong node, ref RequestReader reader, ReplyBuffer reply, out Errno error)
    {
        ulong? fileHandle = null;
        if (reader.TryRead(out FuseGetattrIn getattr) && (getattr.GetattrFlags & FuseAbi.GetattrFh) != 0)
        {
            fileHandle = getattr.Fh;
        }
        ref FuseAttrOut attrOut = ref ReplyAs<FuseAttrOut>(reply);
        error = _fileSystem.Getattr(node, fileHandle, out attrOut.Attr, out TimeSpan timeout);
        FuseTimeout.Split(timeout, out attrOut.AttrValid, out attrOut.AttrValidNsec);
        return Unsafe.SizeOf<FuseAttrOut>();
    }

    private int HandleReadlink(ulong node, ReplyBuffer reply, out Errno error)
    {
        Span<byte> target = reply.Payload[..FuseConstants.MaxSymlinkLength];
        error = _fileSystem.Readlink(node, target, out int length);
        return CheckedLength(error, length, target.Length, node, "Readlink", ref error);
    }

    private int HandleOpen(ulong node, ref RequestReader reader, ReplyBuffer reply, bool directory, out Errno error)
    {
        if (!reader.TryRead(out FuseOpenIn open))
        {
            error = Errno.EINVAL;
            return 0;
        }
        ref FuseOpenOut openOut = ref ReplyAs<FuseOpenOut>(reply);
        FuseOpenFlags flags;
        error = directory
            ? _fileSystem.Opendir(node, (int)open.Flags, out openOut.Fh, out flags)
            : _fileSystem.Open(node, (int)open.Flags, out openOut.Fh, out flags);
        openOut.OpenFlags = (uint)flags;
        return Unsafe.SizeOf<FuseOpenOut>();
    }

    private int HandleRead(ulong node, ref RequestReader reader, ReplyBuffer reply, out Errno error)
    {
        if (!reader.TryRead(out FuseReadIn read) || read.Size > (uint)reply.PayloadCapacity || read.Offset > long.MaxValue)
        {
            error = Errno.EINVAL;
            return 0;
        }
        Span<byte> buffer = reply.Payload[..(int)read.Size];
        error = _fileSystem.Read(node, read.Fh, (long)read.Offset, buffer, out int bytesRead);
        return CheckedLength(error, bytesRead, buffer.Length, node, "Read", ref error);
    }

    private int HandleReaddir(ulong node, ref RequestReader reader, ReplyBuffer reply, bool plus, out Errno error)
    {
        if (!reader.TryRead(out FuseReadIn read) || read.Size > (uint)reply.PayloadCapacity || read.Offset > long.MaxValue)
        {
            error = Errno.EINVAL;
            return 0;
        }
        var writer = new FuseDirectoryWriter(reply.Payload[..(int)read.Size], plus);
        error = plus
            ? _fileSystem.Readdirplus(node, read.Fh, (long)read.Offset, ref writer)
            : _fileSystem.Readdir(node, read.Fh, (long)read.Offset, ref writer);
        return writer.Length;
    }

    private int HandleFlush(ulong node, ref RequestReader reader, out Errno error)
    {
        if (!reader.TryRead(out FuseFlushIn flush))
        {
            error = Errno.EINVAL;
            return 0;
        }
        error = _fileSystem.Flush(node, flush.Fh, flush.LockOwner);
        return 0;
    }

    private int HandleRelease(ulong node, ref RequestReader reader, bool directory, out Errno error)
    {
        if (!reader.TryRead(out FuseReleaseIn release))
        {
            error = Errno.EINVAL;
            return 0;
        }
        error = directory
            ? _fileSystem.Releasedir(node, release.Fh, (int)release.Flags)
            : _fileSystem.Release(node, release.Fh, (int)release.Flags);
        return 0;
    }

    private int HandleGetxattr(ulong node, ref RequestReader reader, ReplyBuffer reply, out Errno error)
    {
        if (!reader.TryRead(out FuseGetxattrIn getxattr) || !reader.TryReadName(out ReadOnlySpan<byte> name))
        {
            error = Errno.EINVAL;
            return 0;
        }
        if (getxattr.Size == 0)
        {
            error = _fileSystem.Getxattr(node, name, Span<byte>.Empty, out int needed);
            return SizeProbeReply(reply, error, needed, node, "Getxattr", ref error);
        }
        Span<byte> value = reply.Payload[..(int)Math.Min(getxattr.Size, (uint)reply.PayloadCapacity)];
        error = _fileSystem.Getxattr(node, name, value, out int length);
        return XattrLength(error, length, value.Length, node, "Getxattr", ref error);
    }

    private int HandleListxattr(ulong node, ref RequestReader reader, ReplyBuffer reply, out Errno error)
    {
        if (!reader.TryRead(out FuseGetxattrIn listxattr))
        {
            error = Errno.EINVAL;
            return 0;
        }
        if (listxattr.Size == 0)
        {
            error = _fileSystem.Listxattr(node, Span<byte>.Empty, out int needed);
            return SizeProbeReply(reply, error, needed, node, "Listxattr", ref error);
        }
        Span<byte> list = reply.Payload[..(int)Math.Min(listxattr.Size, (uint)reply.PayloadCapacity)];
        error = _fileSystem.Listxattr(node, list, out int length);
        return XattrLength(error, length, list.Length, node, "Listxattr", ref error);
    }

    private int SizeProbeReply(ReplyBuffer reply, Errno result, int needed, ulong node, string method, ref Errno error)
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

    private int XattrLength(Errno result, int length, int capacity, ulong node, string method, ref Errno error)
    {
        if (result == Errno.OK && length > capacity)
        {
            error = Errno.ERANGE;
            return 0;
        }
        return CheckedLength(result, length, capacity, node, method, ref error);
    }

    private int CheckedLength(Errno result, int length, int capacity, ulong node, string method, ref Errno error)
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
