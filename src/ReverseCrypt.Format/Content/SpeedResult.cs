// One line of `reversecrypt speed` (see SpeedTest).
namespace ReverseCrypt.Format.Content;

/// <summary>A measured throughput: Value in Unit ("MB/s" = 10^6 bytes per second, or "names/s").</summary>
public readonly record struct SpeedResult(string Name, double Value, string Unit)
{
    public override string ToString() => $"{Name}: {Value:F0} {Unit}";
}
