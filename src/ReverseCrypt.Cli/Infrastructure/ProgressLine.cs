namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>A single self-overwriting progress line on stderr, only when stderr is a terminal.</summary>
public sealed class ProgressLine
{
    private readonly bool _enabled = !Console.IsErrorRedirected;
    private int _lastLength;

    public void Show(string text)
    {
        if (!_enabled) return;
        var padded = text.Length < _lastLength ? text + new string(' ', _lastLength - text.Length) : text;
        Console.Error.Write("\r" + padded);
        _lastLength = text.Length;
    }

    public void Done()
    {
        if (!_enabled || _lastLength == 0) return;
        Console.Error.Write("\r" + new string(' ', _lastLength) + "\r");
        _lastLength = 0;
    }

    public static string Bytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var i = 0;
        while (bytes >= 1024 && i < units.Length - 1) { bytes /= 1024; i++; }
        return i == 0 ? $"{bytes:0} {units[i]}" : $"{bytes:0.0} {units[i]}";
    }

    public static string Duration(TimeSpan? t) => t is null ? "--:--" : t.Value.TotalHours >= 1 ? t.Value.ToString(@"h\:mm\:ss") : t.Value.ToString(@"mm\:ss");
}
