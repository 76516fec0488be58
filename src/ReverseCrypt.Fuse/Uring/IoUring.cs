using System.Runtime.CompilerServices;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Uring;

/// <summary>
/// A minimal io_uring: one submission and one completion ring with 128-byte SQEs, owned and used by one thread
/// (SINGLE_ISSUER, DEFER_TASKRUN: completions are posted only while that thread waits in io_uring_enter). Only what
/// FUSE over io_uring needs: take an SQE, submit and wait, read completions.
/// </summary>
/// <remarks>Memory ordering follows the io_uring ABI: the SQ tail is published with a release store before
/// io_uring_enter, the CQ tail is read with an acquire load and the CQ head released after the entry was read.</remarks>
internal sealed unsafe class IoUring : IDisposable
{
    public const int SqeSize = 128;

    private readonly int _fd;
    private readonly byte* _rings;
    private readonly nuint _ringsSize;
    private readonly byte* _sqes;
    private readonly nuint _sqesSize;
    private readonly uint* _sqTail;
    private readonly uint* _sqHead;
    private readonly uint _sqMask;
    private readonly uint _sqEntries;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly Libc.IoUringCqe* _cqes;
    private uint _localTail;
    private uint _unsubmitted;
    private bool _disposed;

    private IoUring(int fd, byte* rings, nuint ringsSize, byte* sqes, nuint sqesSize, in Libc.IoUringParams p)
    {
        _fd = fd;
        _rings = rings;
        _ringsSize = ringsSize;
        _sqes = sqes;
        _sqesSize = sqesSize;
        _sqHead = (uint*)(rings + p.SqOff.Head);
        _sqTail = (uint*)(rings + p.SqOff.Tail);
        _sqMask = *(uint*)(rings + p.SqOff.RingMask);
        _sqEntries = *(uint*)(rings + p.SqOff.RingEntries);
        _cqHead = (uint*)(rings + p.CqOff.Head);
        _cqTail = (uint*)(rings + p.CqOff.Tail);
        _cqMask = *(uint*)(rings + p.CqOff.RingMask);
        _cqes = (Libc.IoUringCqe*)(rings + p.CqOff.Cqes);
        uint* array = (uint*)(rings + p.SqOff.Array);
        for (uint i = 0; i < _sqEntries; i++)
        {
            array[i] = i; // SQE slot i is always submitted from array slot i
        }
        _localTail = *_sqTail;
    }

    /// <summary>Creates a ring of at least <paramref name="entries"/> SQEs on the calling thread (which becomes its only
    /// submitter), or returns null with the errno of the failing call.</summary>
    public static IoUring? TryCreate(uint entries, out Errno errno)
    {
        Libc.IoUringParams p = default;
        p.Flags = Libc.IORING_SETUP_SQE128 | Libc.IORING_SETUP_SINGLE_ISSUER | Libc.IORING_SETUP_DEFER_TASKRUN;
        int fd = Libc.IoUringSetup(entries, &p);
        if (fd < 0)
        {
            errno = Libc.LastErrno;
            return null;
        }
        if ((p.Features & Libc.IORING_FEAT_SINGLE_MMAP) == 0)
        {
            // Every kernel with FUSE over io_uring (6.14+) has the single mmap; anything else is not worth supporting.
            Libc.Close(fd);
            errno = Errno.ENOSYS;
            return null;
        }
        nuint sqSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
        nuint cqSize = p.CqOff.Cqes + p.CqEntries * (nuint)sizeof(Libc.IoUringCqe);
        nuint ringsSize = Math.Max(sqSize, cqSize);
        void* rings = Libc.Mmap(null, ringsSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE,
            fd, Libc.IORING_OFF_SQ_RING);
        if (rings == (void*)-1)
        {
            errno = Libc.LastErrno;
            Libc.Close(fd);
            return null;
        }
        nuint sqesSize = p.SqEntries * (nuint)SqeSize;
        void* sqes = Libc.Mmap(null, sqesSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE,
            fd, Libc.IORING_OFF_SQES);
        if (sqes == (void*)-1)
        {
            errno = Libc.LastErrno;
            Libc.Munmap(rings, ringsSize);
            Libc.Close(fd);
            return null;
        }
        errno = Errno.OK;
        return new IoUring(fd, (byte*)rings, ringsSize, (byte*)sqes, sqesSize, p);
    }

    /// <summary>The next free SQE, zeroed, or null when the submission ring is full.</summary>
    public byte* NextSqe()
    {
        uint head = Volatile.Read(ref *_sqHead);
        if (_localTail - head >= _sqEntries)
        {
            return null;
        }
        byte* sqe = _sqes + (_localTail & _sqMask) * SqeSize;
        Unsafe.InitBlockUnaligned(sqe, 0, SqeSize);
        _localTail++;
        _unsubmitted++;
        return sqe;
    }

    /// <summary>SQEs taken but not yet handed to the kernel.</summary>
    public uint Unsubmitted => _unsubmitted;

    /// <summary>Submits every taken SQE and, when <paramref name="wait"/>, waits until at least one completion is
    /// there. Returns OK or the errno (EINTR is retried).</summary>
    public Errno SubmitAndWait(bool wait)
    {
        Volatile.Write(ref *_sqTail, _localTail);
        while (true)
        {
            uint waitFor = wait ? 1U : 0U;
            int n = Libc.IoUringEnter(_fd, _unsubmitted, waitFor, wait ? Libc.IORING_ENTER_GETEVENTS : 0);
            if (n >= 0)
            {
                _unsubmitted -= (uint)Math.Min(n, (int)_unsubmitted);
                if (_unsubmitted == 0 || !wait)
                {
                    return Errno.OK;
                }
                continue;
            }
            Errno errno = Libc.LastErrno;
            if (errno == Errno.EINTR)
            {
                continue;
            }
            return errno;
        }
    }

    /// <summary>The oldest unread completion, if any; <see cref="Advance"/> releases it.</summary>
    public bool TryPeek(out Libc.IoUringCqe cqe)
    {
        uint head = *_cqHead;
        if (head == Volatile.Read(ref *_cqTail))
        {
            cqe = default;
            return false;
        }
        cqe = _cqes[head & _cqMask];
        return true;
    }

    public void Advance() => Volatile.Write(ref *_cqHead, *_cqHead + 1);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Libc.Munmap(_sqes, _sqesSize);
        Libc.Munmap(_rings, _ringsSize);
        Libc.Close(_fd);
    }
}
