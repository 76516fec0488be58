namespace ReverseCrypt.Operations.Backup;

/// <summary>Quoting for the small POSIX sh scripts run on the destination, and rsync's splitting of a remote-shell
/// command line (its <c>-e</c> option).</summary>
public static class ShellQuoting
{
    /// <summary>One POSIX sh word that stands for exactly <paramref name="text"/>: single quotes, with every single
    /// quote written as <c>'\''</c>. Safe in sh, dash, bash, zsh and ksh.</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ',' or '=' or ':' or '@'))
            return text;
        return "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// A path on the destination as a sh word. A leading <c>~/</c> (as in <c>host:~/backups</c>) becomes
    /// <c>"$HOME"/...</c>, which is what the remote shell makes of the path that rsync passes; a path that starts with
    /// a dash is prefixed with <c>./</c> so that no command takes it for an option.
    /// </summary>
    public static string QuotePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == "~") return "\"$HOME\"";
        if (path.StartsWith("~/", StringComparison.Ordinal)) return "\"$HOME\"/" + Quote(path[2..]);
        if (path.StartsWith('-')) return Quote("./" + path);
        return Quote(path);
    }

    /// <summary>
    /// Splits a remote-shell command (<c>--ssh</c>, rsync's <c>-e</c>) into program and arguments exactly as rsync
    /// does, so that our own ssh calls match rsync's: words are separated by spaces; single or double quotes group
    /// (a doubled quote character inside quotes is one literal quote); there are no backslash escapes.
    /// </summary>
    public static IReadOnlyList<string> SplitRemoteShell(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var words = new List<string>();
        var i = 0;
        while (i < command.Length)
        {
            if (command[i] == ' ') { i++; continue; }
            var word = new System.Text.StringBuilder();
            char quote = '\0';
            while (i < command.Length && (command[i] != ' ' || quote != '\0'))
            {
                var c = command[i];
                if (c is '\'' or '"')
                {
                    if (quote == '\0') { quote = c; i++; continue; }
                    if (c == quote)
                    {
                        if (i + 1 < command.Length && command[i + 1] == quote) { word.Append(c); i += 2; continue; }
                        quote = '\0';
                        i++;
                        continue;
                    }
                }
                word.Append(c);
                i++;
            }
            if (quote != '\0')
                throw new BackupException(BackupErrorKind.Usage, $"--ssh '{command}': unbalanced quote");
            words.Add(word.ToString());
        }
        if (words.Count == 0)
            throw new BackupException(BackupErrorKind.Usage, "--ssh: the command is empty");
        return words;
    }
}
