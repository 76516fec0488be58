using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// io_uring family: io_uring_setup(2) and io_uring_enter(2) as raw system calls (glibc has no wrappers; x86-64
/// numbers), mmap(2)/munmap(2) for the rings, and sched_setaffinity(2) for pinning a thread to the CPU whose queue it
/// serves. Only what FUSE over io_uring needs.
/// </summary>
public static partial class Libc
{
    private const long SYS_io_uring_setup = 425, SYS_io_uring_enter = 426;

    public const uint IORING_SETUP_SQE128 = 1U << 10, IORING_SETUP_SINGLE_ISSUER = 1U << 12,
        IORING_SETUP_DEFER_TASKRUN = 1U << 13;

    public const uint IORING_FEAT_SINGLE_MMAP = 1U << 0;

    public const uint IORING_ENTER_GETEVENTS = 1U << 0;

    public const long IORING_OFF_SQ_RING = 0, IORING_OFF_CQ_RING = 0x8000000, IORING_OFF_SQES = 0x10000000;

    public const byte IORING_OP_URING_CMD = 46;

    public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_POPULATE = 0x8000;

    /// <summary>struct io_sqring_offsets.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoSqringOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
        public ulong UserAddr;
    }

    /// <summary>struct io_cqring_offsets.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoCqringOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
        public ulong UserAddr;
    }

    /// <summary>struct io_uring_params (120 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct IoUringParams
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd;
        public fixed uint Resv[3];
        public IoSqringOffsets SqOff;
        public IoCqringOffsets CqOff;
    }

    /// <summary>struct io_uring_cqe without the CQE32 extension (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoUringCqe
    {
        public ulong UserData;
        public int Res;
        public uint Flags;
    }

    /// <summary>io_uring_setup(2): returns the ring descriptor or -1 (errno in <see cref="LastErrno"/>).</summary>
    public static unsafe int IoUringSetup(uint entries, IoUringParams* parameters) =>
        (int)Syscall6(SYS_io_uring_setup, (nint)entries, (nint)parameters, 0, 0, 0, 0);

    /// <summary>io_uring_enter(2) without a signal mask: submits and/or waits; returns the number of SQEs consumed
    /// or -1.</summary>
    public static int IoUringEnter(int ringFd, uint toSubmit, uint minComplete, uint flags) =>
        (int)Syscall6(SYS_io_uring_enter, ringFd, (nint)toSubmit, (nint)minComplete, (nint)flags, 0, 0);

    /// <summary>mmap(2); returns MAP_FAILED (-1) on error.</summary>
    [LibraryImport(LibName, EntryPoint = "mmap", SetLastError = true)]
    public static unsafe partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    /// <summary>munmap(2).</summary>
    [LibraryImport(LibName, EntryPoint = "munmap", SetLastError = true)]
    public static unsafe partial int Munmap(void* address, nuint length);

    /// <summary>sched_setaffinity(2) of the calling thread (pid 0) to the CPUs set in <paramref name="mask"/>.</summary>
    [LibraryImport(LibName, EntryPoint = "sched_setaffinity", SetLastError = true)]
    public static unsafe partial int SchedSetaffinity(int pid, nuint maskSize, ulong* mask);

    /// <summary>sched_getaffinity(2) of the calling thread (pid 0); returns 0 or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static unsafe partial int SchedGetaffinity(int pid, nuint maskSize, ulong* mask);

    /// <summary>The CPUs the calling thread may run on, in ascending order (sched_getaffinity, up to 1024 CPUs); null
    /// when the mask cannot be read.</summary>
    public static unsafe int[]? AllowedCpus()
    {
        const int Words = 16;
        ulong* mask = stackalloc ulong[Words];
        if (SchedGetaffinity(0, Words * sizeof(ulong), mask) != 0)
        {
            return null;
        }
        var cpus = new List<int>();
        for (int cpu = 0; cpu < Words * 64; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }
        return [.. cpus];
    }
}
