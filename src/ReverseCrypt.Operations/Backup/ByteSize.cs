using System.Globalization;

namespace ReverseCrypt.Operations.Backup;

/// <summary>Sizes and durations for people: 1023 B, 1.5 KiB, 12.3 MiB, 4.00 GiB; 0:01:05.</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Format(double bytes)
    {
        if (bytes < 0) return "?";
        var unit = 0;
        while (bytes >= 1024 && unit < Units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        if (unit == 0) return $"{bytes:0} B";
        return bytes.ToString(bytes >= 100 ? "0" : bytes >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    public static string FormatDuration(TimeSpan duration) =>
        duration < TimeSpan.Zero ? "?" : $"{(int)duration.TotalHours}:{duration.Minutes:00}:{duration.Seconds:00}";
}
