namespace ReverseCrypt.Operations.Backup;

/// <summary>One difference rsync itemized: the encrypted path (relative to the tree, no trailing slash), its kind,
/// and rsync's change string (<c>YXcstpoguax</c>, e.g. <c>&gt;fc.t......</c>).</summary>
public sealed record VerifyDifference(string CipherPath, VerifyDifferenceKind Kind, string Changes)
{
    /// <summary>Parses one line of <c>--out-format=%i %n</c> output; false for anything else.</summary>
    public static bool TryParse(string line, out VerifyDifference difference)
    {
        ArgumentNullException.ThrowIfNull(line);
        difference = null!;
        if (line.Length < 13 || line[11] != ' ') return false;
        var changes = line[..11];
        var path = UnescapeRsync(line[12..]).TrimEnd('/');
        if (path.Length == 0) return false;
        if (path == ".") path = "";
        if (changes.StartsWith("*deleting", StringComparison.Ordinal))
        {
            difference = new VerifyDifference(path, VerifyDifferenceKind.Extra, changes.TrimEnd());
            return true;
        }
        if (changes[0] is not ('<' or '>' or 'c' or 'h' or '.') || changes[1] is not ('f' or 'd' or 'L' or 'D' or 'S'))
            return false;
        var attributes = changes[2..];
        VerifyDifferenceKind kind;
        if (attributes.All(c => c == '+')) kind = VerifyDifferenceKind.Missing;
        else if ((attributes[0] == 'c' && changes[1] is 'f' or 'L') || attributes[1] == 's') kind = VerifyDifferenceKind.Content;
        else kind = VerifyDifferenceKind.Metadata;
        difference = new VerifyDifference(path, kind, changes);
        return true;
    }

    /// <summary>What changed, in words, from the change string.</summary>
    public string Describe()
    {
        if (Kind == VerifyDifferenceKind.Extra) return "only in the backup";
        if (Kind == VerifyDifferenceKind.Missing) return "missing from the backup";
        var words = new List<string>();
        var a = Changes[2..];
        if (a[0] == 'c') words.Add(Changes[1] == 'L' ? "symlink target" : "content");
        if (a[1] == 's') words.Add("size");
        if (a[2] is 't' or 'T') words.Add("mtime");
        if (a[3] == 'p') words.Add("permissions");
        if (a[4] == 'o') words.Add("owner");
        if (a[5] == 'g') words.Add("group");
        if (a[6] is 'u' or 'n' or 'b') words.Add("atime/ctime");
        if (a[7] == 'a') words.Add("ACL");
        if (a[8] == 'x') words.Add("xattrs");
        if (Changes[0] == 'h') words.Add("hard link");
        if (words.Count == 0) return "differs";
        var singular = words.Count == 1 && !words[0].EndsWith('s');
        return string.Join(", ", words) + (singular ? " differs" : " differ");
    }

    /// <summary>rsync writes unprintable bytes of names as \#ooo (octal).</summary>
    private static string UnescapeRsync(string text)
    {
        if (!text.Contains("\\#", StringComparison.Ordinal)) return text;
        var bytes = new List<byte>();
        var raw = System.Text.Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 4 < raw.Length && raw[i + 1] == '#' && IsOctal(raw[i + 2]) && IsOctal(raw[i + 3]) && IsOctal(raw[i + 4]))
            {
                bytes.Add((byte)(((raw[i + 2] - '0') << 6) | ((raw[i + 3] - '0') << 3) | (raw[i + 4] - '0')));
                i += 4;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());

        static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';
    }
}
