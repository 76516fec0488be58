// Exclusion patterns with gitignore semantics as git documents them (docs/format.md sections 12.1 and 18):
// "#" comments, "!" negation, trailing "/" = directories only, a "/" at the start or in the middle anchors the
// pattern at the root (else it matches the last path component at any depth), "*" "?" "[...]" never match "/",
// "**/" "/**/" "/**" span directories, backslash escapes; the last matching pattern decides, and nothing below an
// excluded directory can be re-included. Unlike gocryptfs (a regex translation), "?" is a wildcard. Like git's
// wildmatch, matching works on bytes: "?" and "[...]" match exactly one byte (so "caf?" does not match the UTF-8
// "café"); checked against `git check-ignore` in the tests.
using System.Text;

namespace ReverseCrypt.Format;

/// <summary>Decides which plaintext paths are left out of the view. Immutable and thread-safe.</summary>
public sealed class ExcludeMatcher
{
    private readonly Rule[] _rules;

    public ExcludeMatcher(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var rules = new List<Rule>();
        foreach (var line in patterns)
        {
            if (TryParse(line, out var rule)) rules.Add(rule);
        }
        _rules = [.. rules];
    }

    /// <summary>A matcher that excludes nothing.</summary>
    public static ExcludeMatcher None { get; } = new([]);

    /// <summary>
    /// Builds the pattern list like gocryptfs: every exclude PATH as "/" + PATH (anchored at the root; leading slashes
    /// of PATH are dropped), then the wildcard patterns, then every line of every exclude-from file.
    /// </summary>
    public static ExcludeMatcher FromOptions(IEnumerable<string> excludes, IEnumerable<string> excludeWildcards,
        IEnumerable<string> excludeFromFiles)
    {
        ArgumentNullException.ThrowIfNull(excludes);
        ArgumentNullException.ThrowIfNull(excludeWildcards);
        ArgumentNullException.ThrowIfNull(excludeFromFiles);
        var patterns = new List<string>();
        foreach (var path in excludes) patterns.Add("/" + path.TrimStart('/'));
        patterns.AddRange(excludeWildcards);
        foreach (var file in excludeFromFiles)
        {
            var text = File.ReadAllText(file, Encoding.UTF8);
            foreach (var line in text.Split('\n')) patterns.Add(line.EndsWith('\r') ? line[..^1] : line);
        }
        return new ExcludeMatcher(patterns);
    }

    /// <summary>True when no effective pattern exists (only blank or comment lines, or none).</summary>
    public bool IsEmpty => _rules.Length == 0;

    /// <summary>
    /// plainPath: relative, '/'-separated, no leading slash, raw bytes; the root ("") is never excluded. True when the
    /// path or any of its parent directories is excluded.
    /// </summary>
    public bool IsExcluded(ReadOnlySpan<byte> plainPath, bool isDirectory)
    {
        if (_rules.Length == 0 || plainPath.IsEmpty) return false;
        for (var i = 0; i < plainPath.Length; i++)
        {
            if (plainPath[i] == '/' && i > 0 && Evaluate(plainPath[..i], isDirectory: true)) return true;
        }
        return Evaluate(plainPath, isDirectory);
    }

    private bool Evaluate(ReadOnlySpan<byte> path, bool isDirectory)
    {
        var slash = path.LastIndexOf((byte)'/');
        var baseName = path[(slash + 1)..];
        var excluded = false;
        foreach (var rule in _rules)
        {
            if (rule.DirectoryOnly && !isDirectory) continue;
            if (excluded == !rule.Negated) continue; // cannot change the outcome
            if (Wildmatch(rule.Pattern, rule.Anchored ? path : baseName)) excluded = !rule.Negated;
        }
        return excluded;
    }

    private static bool TryParse(string line, out Rule rule)
    {
        rule = default;
        if (line.Length == 0 || line[0] == '#') return false;
        var text = TrimTrailingSpaces(line);
        var negated = false;
        if (text.StartsWith('!'))
        {
            negated = true;
            text = text[1..];
        }
        var directoryOnly = false;
        if (text.EndsWith('/') && !text.EndsWith("\\/", StringComparison.Ordinal))
        {
            directoryOnly = true;
            text = text[..^1];
        }
        var anchored = text.Contains('/', StringComparison.Ordinal);
        if (text.StartsWith('/')) text = text[1..];
        if (text.Length == 0) return false;
        rule = new Rule(Encoding.UTF8.GetBytes(text), negated, directoryOnly, anchored);
        return true;
    }

    /// <summary>Trailing spaces are dropped unless escaped with a backslash.</summary>
    private static string TrimTrailingSpaces(string line)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] == ' ')
        {
            var backslashes = 0;
            for (var j = end - 2; j >= 0 && line[j] == '\\'; j--) backslashes++;
            if (backslashes % 2 == 1) break;
            end--;
        }
        return line[..end];
    }

    /// <summary>git's wildmatch with WM_PATHNAME on bytes; "?" and "[...]" consume one byte, never '/'.</summary>
    internal static bool Wildmatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        var pi = 0;
        var ti = 0;
        while (pi < pattern.Length)
        {
            var c = pattern[pi];
            switch (c)
            {
                case (byte)'\\':
                    if (pi + 1 >= pattern.Length) return false; // a trailing backslash matches nothing
                    if (ti >= text.Length || text[ti] != pattern[pi + 1]) return false;
                    pi += 2;
                    ti++;
                    break;
                case (byte)'?':
                    if (ti >= text.Length || text[ti] == '/') return false;
                    ti++;
                    pi++;
                    break;
                case (byte)'[':
                    {
                        if (ti >= text.Length || text[ti] == '/') return false;
                        if (!MatchBracket(pattern, pi, text[ti], out var end)) return false;
                        pi = end;
                        ti++;
                        break;
                    }
                case (byte)'*':
                    {
                        var start = pi;
                        while (pi < pattern.Length && pattern[pi] == '*') pi++;
                        var spansDirectories = pi - start >= 2 && (start == 0 || pattern[start - 1] == '/')
                                                              && (pi == pattern.Length || pattern[pi] == '/');
                        if (spansDirectories)
                        {
                            if (pi == pattern.Length) return true; // "**" at the end: everything below
                            var rest = pattern[(pi + 1)..]; // "**/": zero or more directories
                            if (Wildmatch(rest, text[ti..])) return true;
                            for (var k = ti; k < text.Length; k++)
                            {
                                if (text[k] == '/' && Wildmatch(rest, text[(k + 1)..])) return true;
                            }
                            return false;
                        }
                        if (pi == pattern.Length) return text[ti..].IndexOf((byte)'/') < 0;
                        for (var k = ti; ; k++)
                        {
                            if (Wildmatch(pattern[pi..], text[k..])) return true;
                            if (k >= text.Length || text[k] == '/') return false;
                        }
                    }
                default:
                    if (ti >= text.Length || text[ti] != c) return false;
                    pi++;
                    ti++;
                    break;
            }
        }
        return ti == text.Length;
    }

    /// <summary>Matches ch against the bracket expression starting at pattern[open] == '['. False if malformed.</summary>
    private static bool MatchBracket(ReadOnlySpan<byte> pattern, int open, byte ch, out int end)
    {
        end = 0;
        var i = open + 1;
        var negate = i < pattern.Length && (pattern[i] == '!' || pattern[i] == '^');
        if (negate) i++;
        var matched = false;
        var first = true;
        while (true)
        {
            if (i >= pattern.Length) return false; // no closing ']'
            if (pattern[i] == ']' && !first) break;
            first = false;
            if (pattern[i] == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
            {
                var close = pattern[(i + 2)..].IndexOf(":]"u8);
                if (close < 0) return false;
                var name = pattern.Slice(i + 2, close);
                if (!TryMatchClass(name, ch, out var inClass)) return false;
                matched |= inClass;
                i += close + 4;
                continue;
            }
            if (pattern[i] == '\\')
            {
                if (++i >= pattern.Length) return false;
            }
            var low = pattern[i++];
            var high = low;
            if (i + 1 < pattern.Length && pattern[i] == '-' && pattern[i + 1] != ']')
            {
                i++;
                if (pattern[i] == '\\' && ++i >= pattern.Length) return false;
                high = pattern[i++];
            }
            if (ch >= low && ch <= high) matched = true;
        }
        end = i + 1;
        return matched != negate;
    }

    /// <summary>POSIX character class ([:alpha:] etc.) membership of an ASCII byte; false for unknown class names.</summary>
    private static bool TryMatchClass(ReadOnlySpan<byte> name, byte ch, out bool inClass)
    {
        var c = (char)ch;
        bool? result = Encoding.ASCII.GetString(name) switch
        {
            "alnum" => char.IsAsciiLetterOrDigit(c),
            "alpha" => char.IsAsciiLetter(c),
            "blank" => c is ' ' or '\t',
            "cntrl" => c < ' ' || c == '\x7f',
            "digit" => char.IsAsciiDigit(c),
            "graph" => c is > ' ' and < '\x7f',
            "lower" => char.IsAsciiLetterLower(c),
            "print" => c is >= ' ' and < '\x7f',
            "punct" => c is > ' ' and < '\x7f' && !char.IsAsciiLetterOrDigit(c),
            "space" => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f',
            "upper" => char.IsAsciiLetterUpper(c),
            "xdigit" => char.IsAsciiHexDigit(c),
            _ => null,
        };
        inClass = result == true;
        return result.HasValue;
    }

    private readonly record struct Rule(byte[] Pattern, bool Negated, bool DirectoryOnly, bool Anchored);
}
