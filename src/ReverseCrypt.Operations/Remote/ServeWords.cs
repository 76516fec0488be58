using System.Text;

namespace ReverseCrypt.Operations.Remote;

/// <summary>
/// Splits the command line an ssh client sent (<c>SSH_ORIGINAL_COMMAND</c>) into words the way POSIX sh would, but
/// without any expansion: blanks separate words, single quotes keep everything literally, double quotes keep
/// everything but <c>\"</c>, <c>\\</c>, <c>\$</c> and <c>\`</c>, and a backslash outside quotes keeps the next
/// character (rsync escapes special characters of its remote arguments so), and a leading <c>~</c> is HOME. Anything sh would expand or treat as an
/// operator (<c>$</c>, a backquote, <c>;</c>, <c>|</c>, <c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>, parentheses, a glob)
/// outside quotes is refused: serve never runs a shell on what the client wrote.
/// </summary>
public static class ServeWords
{
    public static IReadOnlyList<string> Split(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var i = 0;
        while (i < commandLine.Length)
        {
            var c = commandLine[i];
            if (c is ' ' or '\t' or '\n')
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                i++;
                continue;
            }
            inWord = true;
            switch (c)
            {
                case '\'':
                    {
                        var end = commandLine.IndexOf('\'', i + 1);
                        if (end < 0) throw new FormatException("an unterminated single quote");
                        word.Append(commandLine, i + 1, end - i - 1);
                        i = end + 1;
                        break;
                    }
                case '"':
                    i++;
                    while (true)
                    {
                        if (i >= commandLine.Length) throw new FormatException("an unterminated double quote");
                        var d = commandLine[i];
                        if (d == '"') { i++; break; }
                        if (d is '$' or '`') throw new FormatException($"'{d}' inside double quotes");
                        if (d == '\\' && i + 1 < commandLine.Length && commandLine[i + 1] is '"' or '\\' or '$' or '`')
                        {
                            word.Append(commandLine[i + 1]);
                            i += 2;
                            continue;
                        }
                        word.Append(d);
                        i++;
                    }
                    break;
                case '\\':
                    if (i + 1 >= commandLine.Length) throw new FormatException("a backslash at the end");
                    if (commandLine[i + 1] != '\n') word.Append(commandLine[i + 1]);
                    i += 2;
                    break;
                case '~' when word.Length == 0 && (i + 1 == commandLine.Length || commandLine[i + 1] is '/' or ' ' or '\t' or '\n'):
                    // host:~/backups: rsync passes the path as it is for the remote shell to expand; so do we.
                    word.Append(Environment.GetEnvironmentVariable("HOME") ?? throw new FormatException("'~' without HOME"));
                    i++;
                    break;
                case '$' or '`' or ';' or '|' or '&' or '<' or '>' or '(' or ')' or '*' or '?' or '[' or '#' or '~':
                    // '#' and '~' only matter at the start of a word; refusing them elsewhere unquoted is simpler and
                    // costs nothing: the client quotes every word that holds one.
                    throw new FormatException($"the shell character '{c}'");
                default:
                    word.Append(c);
                    i++;
                    break;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
