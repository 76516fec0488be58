using System.Text;

namespace ReverseCrypt.Storage;

/// <summary>
/// Paths as byte strings (names are bytes on Linux): '/'-separated components, relative, the root is empty.
/// Helpers to join, split and show them; nothing here touches the filesystem.
/// </summary>
public static class BytePath
{
    /// <summary>parent + "/" + name, or name when parent is the root (empty).</summary>
    public static byte[] Join(ReadOnlySpan<byte> parent, ReadOnlySpan<byte> name)
    {
        if (parent.IsEmpty)
        {
            return name.ToArray();
        }
        var result = new byte[parent.Length + 1 + name.Length];
        parent.CopyTo(result);
        result[parent.Length] = (byte)'/';
        name.CopyTo(result.AsSpan(parent.Length + 1));
        return result;
    }

    /// <summary>
    /// Splits a user-given path into components: leading, trailing and repeated '/' and "." components are ignored.
    /// False when a component is ".." or longer than 255 bytes, or contains NUL.
    /// </summary>
    public static bool TrySplit(ReadOnlySpan<byte> path, out List<byte[]> components)
    {
        components = [];
        int start = 0;
        for (int i = 0; i <= path.Length; i++)
        {
            if (i < path.Length && path[i] != (byte)'/')
            {
                continue;
            }
            var component = path[start..i];
            start = i + 1;
            if (component.IsEmpty || component.SequenceEqual("."u8))
            {
                continue;
            }
            if (component.SequenceEqual(".."u8) || component.Length > 255 || component.Contains((byte)0))
            {
                return false;
            }
            components.Add(component.ToArray());
        }
        return true;
    }

    /// <summary>
    /// Text for messages and logs: UTF-8 where valid, every other byte as \xNN, control characters escaped, so a
    /// hostile name can neither break a log line nor hide itself. The root (empty) is shown as ".".
    /// </summary>
    public static string Display(ReadOnlySpan<byte> path)
    {
        if (path.IsEmpty)
        {
            return ".";
        }
        var text = new StringBuilder(path.Length);
        int i = 0;
        while (i < path.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(path[i..], out var rune, out int consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                text.Append("\\x").Append(path[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                i++;
                continue;
            }
            if (rune.Value < 0x20 || rune.Value == 0x7f || rune.Value == '\\' || Rune.GetUnicodeCategory(rune) is
                    System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator
                    or System.Globalization.UnicodeCategory.ParagraphSeparator)
            {
                if (rune.Value == '\\')
                {
                    text.Append("\\\\");
                }
                else
                {
                    foreach (byte b in path.Slice(i, consumed))
                    {
                        text.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
            else
            {
                text.Append(rune.ToString());
            }
            i += consumed;
        }
        return text.ToString();
    }

    /// <summary>
    /// The inverse of <see cref="Display"/>: UTF-8 text where "\xNN" is the byte NN and "\\" a backslash, so a
    /// name that is not valid UTF-8 can be typed on a command line the way it was shown. False for a backslash
    /// followed by anything else.
    /// </summary>
    public static bool TryParseDisplay(string text, out byte[] path)
    {
        ArgumentNullException.ThrowIfNull(text);
        var utf8 = Encoding.UTF8.GetBytes(text);
        var result = new List<byte>(utf8.Length);
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] != (byte)'\\')
            {
                result.Add(utf8[i]);
                continue;
            }
            if (i + 1 < utf8.Length && utf8[i + 1] == (byte)'\\')
            {
                result.Add((byte)'\\');
                i++;
                continue;
            }
            if (i + 3 < utf8.Length && utf8[i + 1] == (byte)'x' && HexValue(utf8[i + 2]) >= 0 && HexValue(utf8[i + 3]) >= 0)
            {
                result.Add((byte)(HexValue(utf8[i + 2]) * 16 + HexValue(utf8[i + 3])));
                i += 3;
                continue;
            }
            path = [];
            return false;
        }
        path = [.. result];
        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
