using System.Text;

namespace ReverseCrypt.Fuse.Mounting;

/// <summary>Reads /proc/self/mountinfo (proc(5): "id parent major:minor root mountpoint options ... - type source
/// superoptions", paths with octal escapes).</summary>
internal static class MountTable
{
    public const string MountInfoPath = "/proc/self/mountinfo";

    /// <summary>The topmost mount whose mountpoint is exactly <paramref name="mountpoint"/> (canonical path), or null.</summary>
    public static MountEntry? Find(string mountpoint, string mountInfoPath = MountInfoPath)
    {
        MountEntry? found = null;
        foreach (string line in File.ReadLines(mountInfoPath))
        {
            MountEntry? entry = Parse(line);
            if (entry is not null && entry.MountPoint == mountpoint)
            {
                found = entry;
            }
        }
        return found;
    }

    /// <summary>Parses one mountinfo line; null when it is not well formed.</summary>
    public static MountEntry? Parse(string line)
    {
        string[] fields = line.Split(' ');
        int separator = Array.IndexOf(fields, "-");
        if (fields.Length < 10 || separator < 6 || separator + 2 >= fields.Length)
        {
            return null;
        }
        string[] device = fields[2].Split(':');
        if (device.Length != 2 || !uint.TryParse(device[0], out uint major) || !uint.TryParse(device[1], out uint minor))
        {
            return null;
        }
        return new MountEntry(Unescape(fields[4]), Unescape(fields[separator + 1]), Unescape(fields[separator + 2]),
            major, minor);
    }

    /// <summary>Decodes the kernel's \ooo escapes (space, tab, newline, backslash).</summary>
    public static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }
        var bytes = new List<byte>(field.Length);
        byte[] raw = Encoding.UTF8.GetBytes(field);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 3 < raw.Length && IsOctal(raw[i + 1]) && IsOctal(raw[i + 2]) && IsOctal(raw[i + 3]))
            {
                bytes.Add((byte)(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';
}
