using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ReverseCrypt.Fuse.Protocol;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Uring;

/// <summary>
/// One thread of FUSE over io_uring: owns a ring, pinned (when allowed) to the CPU whose kernel queue it serves first,
/// and registers one ring entry (a 288-byte header block and a payload buffer) per queue it serves. The kernel hands a
/// request to an entry by completing its command; the worker, as the session's <see cref="IFuseChannel"/>, hands it
/// over rebuilt in the layout of a /dev/fuse read, so that the session serves it like any other request, and commits
/// the answer with COMMIT_AND_FETCH, which also re-arms the entry for the next request. A request issued on CPU n goes to queue n, so its round trip stays on that CPU.
/// </summary>
internal sealed unsafe class FuseUringWorker : IFuseChannel
{
    private const uint CmdRegister = 1, CmdCommitAndFetch = 2;

    /// <summary>sizeof(struct fuse_uring_req_header): in_out[128], op_in[128], fuse_uring_ent_in_out (32).</summary>
    private const int HeaderBlockSize = 288;
    private const int OpInOffset = 128;
    private const int InHeaderSize = 40;

    private readonly FuseSession _session;
    private readonly FuseUringPool _pool;
    private readonly ILogger _logger;
    private readonly int _cpu;
    private readonly Entry[] _entries;
    private readonly int _payloadSize;
    private readonly int _fd;
    private IoUring? _ring;
    private byte* _request;
    private int _requestSize;
    private Entry? _current;
    private int _alive;
    private long _served;
    private bool _reported;

    public FuseUringWorker(FuseSession session, FuseUringPool pool, ILogger logger, int cpu, ushort[] queues, int payloadSize,
        int opcodeSlots)
    {
        _session = session;
        _pool = pool;
        _logger = logger;
        _cpu = cpu;
        _payloadSize = payloadSize;
        _fd = session.DeviceFd;
        RequestsByOpcode = new long[opcodeSlots];
        _entries = new Entry[queues.Length];
        for (int i = 0; i < queues.Length; i++)
        {
            _entries[i] = new Entry { Index = i, Queue = queues[i] };
        }
    }

    public int Cpu => _cpu;

    /// <summary>Requests this worker has taken from the kernel (written by its thread only).</summary>
    public long Served => Volatile.Read(ref _served);

    /// <summary>The thread body: set up, report to the pool, wait for INIT, serve until the connection ends.</summary>
    public void Run()
    {
        try
        {
            bool ready = SetUp(out string? problem);
            _reported = true;
            _pool.ReportSetUp(this, problem);
            if (ready && _pool.WaitForGo())
            {
                Serve();
            }
        }
        catch (Exception e)
        {
            _logger.UringWorkerFailed(e.ToString());
            if (!_reported)
            {
                _pool.ReportSetUp(this, e.Message);
            }
        }
        finally
        {
            TearDown();
            _pool.WorkerExited();
        }
    }

    private bool SetUp(out string? problem)
    {
        if (_cpu >= 0)
        {
            ulong* mask = stackalloc ulong[16];
            new Span<ulong>(mask, 16).Clear();
            mask[_cpu / 64] = 1UL << (_cpu % 64);
            Libc.SchedSetaffinity(0, 16 * sizeof(ulong), mask); // best effort: an unpinned worker still works
        }
        uint size = 1;
        while (size < _entries.Length)
        {
            size <<= 1;
        }
        _ring = IoUring.TryCreate(size, out Errno errno);
        if (_ring is null)
        {
            problem = $"io_uring_setup failed: {Libc.Describe(errno)}";
            return false;
        }
        _requestSize = InHeaderSize + 128 + _payloadSize;
        _request = (byte*)NativeMemory.AlignedAlloc((nuint)_requestSize, 64);
        foreach (Entry entry in _entries)
        {
            entry.Header = (byte*)NativeMemory.AlignedAlloc(HeaderBlockSize, 64);
            new Span<byte>(entry.Header, HeaderBlockSize).Clear();
            entry.Payload = (byte*)NativeMemory.AlignedAlloc((nuint)_payloadSize, 4096);
            entry.Iov = (Libc.Iovec*)NativeMemory.AlignedAlloc((nuint)(2 * sizeof(Libc.Iovec)), 64);
            entry.Iov[0] = new Libc.Iovec { Base = entry.Header, Length = HeaderBlockSize };
            entry.Iov[1] = new Libc.Iovec { Base = entry.Payload, Length = (nuint)_payloadSize };
            entry.Reply = ReplyBuffer.ForRingEntry(entry.Header, entry.Payload, _payloadSize);
        }
        problem = null;
        return true;
    }

    /// <summary>Registers every entry, then lets the session serve this channel until the connection ends.</summary>
    private void Serve()
    {
        foreach (Entry entry in _entries)
        {
            QueueRegister(entry);
        }
        _alive = _entries.Length;
        _session.Serve(this);
    }

    public ReplyBuffer Reply => _current!.Reply;

    public long[] RequestsByOpcode { get; }

    /// <summary>Commits the answer to the previous request, then waits until the kernel hands a request to one of
    /// the entries and returns it rebuilt in the /dev/fuse layout.</summary>
    public bool TryReceive(out ReadOnlySpan<byte> request)
    {
        IoUring ring = _ring!;
        if (_current is Entry previous)
        {
            _current = null;
            Finish(previous);
            if (ring.Unsubmitted > 0 && ring.TryPeek(out _))
            {
                // More requests are waiting: send this answer now rather than after them.
                ring.SubmitAndWait(wait: false);
            }
        }
        while (true)
        {
            while (ring.TryPeek(out Libc.IoUringCqe cqe))
            {
                ring.Advance();
                Entry entry = _entries[(int)cqe.UserData];
                if (cqe.Res < 0)
                {
                    if (!Retire(entry, (Errno)(-cqe.Res)))
                    {
                        QueueRegister(entry);
                        continue;
                    }
                    _alive--;
                    continue;
                }
                entry.Registered = true;
                Volatile.Write(ref _served, _served + 1);
                request = Rebuild(entry);
                _current = entry;
                return true;
            }
            if (_alive == 0)
            {
                request = default;
                return false;
            }
            Errno error = ring.SubmitAndWait(wait: true);
            if (error != Errno.OK)
            {
                _logger.UringWorkerFailed($"io_uring_enter: {Libc.Describe(error)}");
                request = default;
                return false;
            }
        }
    }

    /// <summary>Stages the reply in the entry's header block and payload buffer; <see cref="TryReceive"/> commits it
    /// (or <see cref="RunAfterReply"/>, earlier).</summary>
    public Errno Send(ulong unique, Errno error, int payloadLength)
    {
        Stage(_current!, unique, error, payloadLength);
        return Errno.OK;
    }

    private static void Stage(Entry entry, ulong unique, Errno error, int payloadLength)
    {
        payloadLength = entry.Reply.WriteHeader(unique, error, payloadLength);
        *(uint*)(entry.Header + ReplyBuffer.RingPayloadSizeOffset) = (uint)payloadLength;
        entry.Staged = true;
    }

    /// <summary>This worker is pinned to its caller's CPU: work done here would only take turns with the caller.
    /// Commits now and lets a pool thread (on another CPU) do the work while the caller takes the reply in.</summary>
    public void RunAfterReply(AfterReplyWork work)
    {
        Entry? entry = _current;
        if (entry is not null && entry.Staged && !entry.Committed)
        {
            QueueCommit(entry, *(ulong*)(entry.Header + 8));
            _ring!.SubmitAndWait(wait: false);
        }
        ThreadPool.UnsafeQueueUserWorkItem(static w => w.Run(), work, preferLocal: false);
    }

    /// <summary>A command failed: true when the entry is finished (connection gone, or io_uring refused), false when its
    /// registration should be tried again (the kernel had not finished INIT yet).</summary>
    private bool Retire(Entry entry, Errno errno)
    {
        if (!entry.Registered && errno == Errno.EAGAIN && entry.RegisterAttempts < 200)
        {
            Thread.Sleep(5);
            return false;
        }
        if (!entry.Registered && errno is not (Errno.ENOTCONN or Errno.ECONNABORTED))
        {
            _pool.ReportRegisterFailed($"FUSE_IO_URING_CMD_REGISTER: {Libc.Describe(errno)}");
        }
        else if (errno is not (Errno.ENOTCONN or Errno.ECONNABORTED or Errno.ECANCELED or Errno.ENOENT))
        {
            _logger.UringWorkerFailed($"ring entry of queue {entry.Queue}: {Libc.Describe(errno)}");
        }
        return true;
    }

    private ReadOnlySpan<byte> Rebuild(Entry entry)
    {
        byte* header = entry.Header;
        uint length = *(uint*)header;
        uint payloadLength = *(uint*)(header + ReplyBuffer.RingPayloadSizeOffset);
        long opLength = (long)length - InHeaderSize - payloadLength;
        // Rebuild the /dev/fuse layout: header, per-opcode struct, then the rest. Inconsistent sizes give a request
        // whose length disagrees with its header, which the session answers with EIO.
        int op = (int)Math.Clamp(opLength, 0, 128);
        int rest = (int)Math.Min(payloadLength, (uint)_payloadSize);
        Buffer.MemoryCopy(header, _request, _requestSize, InHeaderSize);
        Buffer.MemoryCopy(header + OpInOffset, _request + InHeaderSize, _requestSize - InHeaderSize, op);
        Buffer.MemoryCopy(entry.Payload, _request + InHeaderSize + op, _requestSize - InHeaderSize - op, rest);
        entry.Staged = false;
        entry.Committed = false;
        return new ReadOnlySpan<byte>(_request, InHeaderSize + op + rest);
    }

    /// <summary>The session is done with the entry's request: commit its answer unless that happened already.</summary>
    private void Finish(Entry entry)
    {
        if (entry.Committed)
        {
            return;
        }
        ulong unique = *(ulong*)(entry.Header + 8);
        if (!entry.Staged)
        {
            // Every ring request must be committed, even one the dispatcher had nothing to say to.
            Stage(entry, unique, Errno.EIO, 0);
        }
        QueueCommit(entry, unique);
    }

    private void QueueCommit(Entry entry, ulong unique)
    {
        // The kernel's commit id is the request's unique (fuse_uring_ent_in_out.commit_id holds the same value).
        byte* sqe = NextSqe();
        FillCommand(sqe, entry, CmdCommitAndFetch);
        *(ulong*)(sqe + 56) = unique;
        entry.Committed = true;
    }

    private void QueueRegister(Entry entry)
    {
        entry.RegisterAttempts++;
        byte* sqe = NextSqe();
        FillCommand(sqe, entry, CmdRegister);
        *(ulong*)(sqe + 16) = (ulong)entry.Iov; // addr: iovec[2] = header block, payload
        *(uint*)(sqe + 24) = 2;                 // len: number of iovecs
    }

    private byte* NextSqe()
    {
        byte* sqe = _ring!.NextSqe();
        if (sqe == null)
        {
            // Cannot happen: each entry has at most one command in flight and the ring has a slot per entry.
            throw new InvalidOperationException("io_uring submission queue full");
        }
        return sqe;
    }

    /// <summary>IORING_OP_URING_CMD on the FUSE device; the command area (offset 48) holds struct fuse_uring_cmd_req
    /// { u64 flags; u64 commit_id; u16 qid; }.</summary>
    private void FillCommand(byte* sqe, Entry entry, uint command)
    {
        sqe[0] = Libc.IORING_OP_URING_CMD;
        *(int*)(sqe + 4) = _fd;
        *(uint*)(sqe + 8) = command;            // cmd_op
        *(ulong*)(sqe + 32) = (ulong)entry.Index; // user_data
        *(ushort*)(sqe + 64) = entry.Queue;      // fuse_uring_cmd_req.qid
    }

    private void TearDown()
    {
        _ring?.Dispose();
        _ring = null;
        if (_alive > 0)
        {
            // The kernel may still hold registered entries that point into these buffers (this worker stopped on an
            // error while the connection lives): leave them allocated rather than let the kernel write into freed
            // memory. Only happens after an error that was logged.
            return;
        }
        foreach (Entry entry in _entries)
        {
            entry.Reply?.Dispose();
            if (entry.Header != null)
            {
                NativeMemory.AlignedFree(entry.Header);
                entry.Header = null;
            }
            if (entry.Payload != null)
            {
                NativeMemory.AlignedFree(entry.Payload);
                entry.Payload = null;
            }
            if (entry.Iov != null)
            {
                NativeMemory.AlignedFree(entry.Iov);
                entry.Iov = null;
            }
        }
        if (_request != null)
        {
            NativeMemory.AlignedFree(_request);
            _request = null;
        }
    }

    private sealed class Entry
    {
        public int Index;
        public ushort Queue;
        public byte* Header;
        public byte* Payload;
        public Libc.Iovec* Iov;
        public ReplyBuffer Reply = null!;
        public bool Registered;
        public bool Staged;
        public bool Committed;
        public int RegisterAttempts;
    }
}
