using ReverseCrypt.Interop;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>Which CPU to pin a child process to.</summary>
internal static class CpuAffinity
{
    /// <summary>The highest-numbered CPU this process may use (CPU 0 usually takes most interrupts), or null when it
    /// may use only one or the mask cannot be read.</summary>
    public static int? LastUsableCpu() => Libc.AllowedCpus() is { Length: > 1 } cpus ? cpus[^1] : null;
}
