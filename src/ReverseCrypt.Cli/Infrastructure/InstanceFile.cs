using System.Text;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>
/// An instance file, /etc/reversecrypt/NAME.conf: the one description of a backup that `backup --instance NAME`,
/// `verify --instance NAME` and the units read. Its syntax is the subset of systemd's EnvironmentFile= syntax that
/// systemd and this parser read alike:
/// <list type="bullet">
/// <item>blank lines, and lines whose first non-blank character is <c>#</c> or <c>;</c> (comments);</item>
/// <item><c>KEY=value</c> with one of the known keys, no blanks around <c>=</c>, each key at most once;</item>
/// <item>a value is either bare (taken up to the end of the line, trailing blanks dropped; it may not contain
/// <c>"</c>, <c>'</c> or <c>\</c>) or one double-quoted string (<c>\"</c>, <c>\\</c>, <c>\$</c> and <c>\`</c> stand
/// for the character after the backslash; no other backslash, nothing but blanks after the closing quote, no line
/// continuation).</item>
/// </list>
/// The values of the *_OPTIONS keys are then split into words like a shell splits an unquoted string, without any
/// expansion: blanks separate words, <c>'...'</c> keeps everything literally, <c>"..."</c> keeps blanks (with
/// <c>\"</c> and <c>\\</c>), a backslash outside quotes keeps the next character; no <c>$</c>, <c>~</c> or globbing.
/// </summary>
public sealed class InstanceFile
{
    /// <summary>Every key an instance file may set (the units' and the commands' together).</summary>
    public static readonly IReadOnlyList<string> Keys =
        ["SOURCE", "DEST", "SSH", "BACKUP_OPTIONS", "VERIFY_OPTIONS", "MOUNTPOINT", "MOUNT_OPTIONS", "PRE", "POST"];

    /// <summary>For tests and packagers: the directory of the instance files instead of /etc/reversecrypt.</summary>
    public const string DirectoryVariable = "REVERSECRYPT_CONFIG_DIR";

    private readonly Dictionary<string, (string Value, int Line)> _values;

    private InstanceFile(string path, Dictionary<string, (string Value, int Line)> values)
    {
        Path = path;
        _values = values;
    }

    public string Path { get; }

    /// <summary>The file of instance NAME: $REVERSECRYPT_CONFIG_DIR/NAME.conf, else /etc/reversecrypt/NAME.conf.</summary>
    public static string PathOf(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.') || name.Contains('\0', StringComparison.Ordinal))
            throw new CliException(ExitCodes.Usage, $"--instance '{name}': not an instance name (a file name without '/', not starting with '.')");
        var dir = Environment.GetEnvironmentVariable(DirectoryVariable);
        return System.IO.Path.Combine(string.IsNullOrEmpty(dir) ? "/etc/reversecrypt" : dir, name + ".conf");
    }

    /// <summary>Reads and checks the file; every fault is a usage error naming FILE:LINE.</summary>
    public static InstanceFile Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"cannot read the instance file {path}: {e.Message}", e);
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new CliException(ExitCodes.Usage, $"{path}: not UTF-8 text", e);
        }
        var values = new Dictionary<string, (string Value, int Line)>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            var line = lines[i].TrimEnd('\r').TrimStart(' ', '\t');
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new CliException(ExitCodes.Usage, $"{path}:{number}: not KEY=value");
            var key = line[..equals];
            if (key.Any(c => c is ' ' or '\t'))
                throw new CliException(ExitCodes.Usage, $"{path}:{number}: no blanks around '=' (KEY=value)");
            if (!Keys.Contains(key))
                throw new CliException(ExitCodes.Usage, $"{path}:{number}: unknown key '{key}' (known: {string.Join(", ", Keys)})");
            if (values.TryGetValue(key, out var earlier))
                throw new CliException(ExitCodes.Usage, $"{path}:{number}: {key} is set twice (first on line {earlier.Line})");
            var value = ParseValue(line[(equals + 1)..]) ?? throw new CliException(ExitCodes.Usage,
                $"{path}:{number}: bad value for {key}: use a bare value without quotes or backslashes, or one \"double-quoted\" string (\\\" \\\\ \\$ \\` as escapes)");
            values[key] = (value, number);
        }
        return new InstanceFile(path, values);
    }

    /// <summary>The value of KEY, or null when the file does not set it.</summary>
    public string? Get(string key) => _values.TryGetValue(key, out var v) ? v.Value : null;

    /// <summary>The line that sets KEY (0 when none).</summary>
    public int LineOf(string key) => _values.TryGetValue(key, out var v) ? v.Line : 0;

    /// <summary>The words of an *_OPTIONS key (none when unset); a fault names FILE:LINE.</summary>
    public IReadOnlyList<string> Words(string key)
    {
        var value = Get(key);
        if (value is null) return [];
        return SplitWords(value) ?? throw new CliException(ExitCodes.Usage, $"{Path}:{LineOf(key)}: bad value for {key}: an unterminated quote or a trailing backslash");
    }

    /// <summary>A value after '=': bare or one double-quoted string; null when it is neither.</summary>
    public static string? ParseValue(string raw)
    {
        var trimmed = raw.TrimEnd(' ', '\t');
        if (trimmed.Length == 0 || trimmed[0] != '"')
        {
            return trimmed.IndexOfAny(['"', '\'', '\\']) >= 0 ? null : trimmed.TrimStart(' ', '\t').Length == trimmed.Length ? trimmed : null;
        }
        var value = new StringBuilder();
        for (var i = 1; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (c == '\\')
            {
                if (i + 1 >= trimmed.Length || trimmed[i + 1] is not ('"' or '\\' or '$' or '`')) return null;
                value.Append(trimmed[++i]);
            }
            else if (c == '"')
            {
                return i == trimmed.Length - 1 ? value.ToString() : null;
            }
            else
            {
                value.Append(c);
            }
        }
        return null;
    }

    /// <summary>Shell-like word splitting without expansion; null for an unterminated quote or a trailing backslash.</summary>
    public static List<string>? SplitWords(string value)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case ' ' or '\t' or '\n':
                    if (inWord) words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                    break;
                case '\'':
                    var close = value.IndexOf('\'', i + 1);
                    if (close < 0) return null;
                    word.Append(value, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    for (i++; ; i++)
                    {
                        if (i >= value.Length) return null;
                        if (value[i] == '"') break;
                        if (value[i] == '\\' && i + 1 < value.Length && value[i + 1] is '"' or '\\') i++;
                        word.Append(value[i]);
                    }
                    inWord = true;
                    break;
                case '\\':
                    if (i + 1 >= value.Length) return null;
                    word.Append(value[++i]);
                    inWord = true;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
