namespace ReverseCrypt.Fuse;

/// <summary>Conversions between <see cref="TimeSpan"/> and the kernel's (seconds, nanoseconds) timeouts.</summary>
public static class FuseTimeout
{
    /// <summary>Splits a timeout into whole seconds and nanoseconds; negative values become zero.</summary>
    public static void Split(TimeSpan timeout, out ulong seconds, out uint nanoseconds)
    {
        long ticks = Math.Max(0, timeout.Ticks);
        seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        nanoseconds = (uint)(ticks % TimeSpan.TicksPerSecond * 100);
    }

    /// <summary>Joins seconds and nanoseconds into a <see cref="TimeSpan"/> (saturating).</summary>
    public static TimeSpan ToTimeSpan(ulong seconds, uint nanoseconds)
    {
        if (seconds >= (ulong)(TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerSecond))
        {
            return TimeSpan.MaxValue;
        }
        return new TimeSpan((long)seconds * TimeSpan.TicksPerSecond + nanoseconds / 100);
    }
}
