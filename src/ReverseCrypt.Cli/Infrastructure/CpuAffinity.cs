using ReverseCrypt.Interop;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>The CPUs this process may run on (sched_getaffinity).</summary>
internal static class CpuAffinity
{
    /// <summary>The highest-numbered CPU this process may use (CPU 0 usually takes most interrupts), or null when it
    /// may use only one or the mask cannot be read.</summary>
    public static unsafe int? LastUsableCpu()
    {
        const int Words = 16; // 1024 CPUs
        ulong* mask = stackalloc ulong[Words];
        if (Libc.SchedGetaffinity(0, Words * sizeof(ulong), mask) != 0)
        {
            return null;
        }
        int count = 0, last = -1;
        for (int cpu = 0; cpu < Words * 64; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                count++;
                last = cpu;
            }
        }
        return count > 1 ? last : null;
    }
}
