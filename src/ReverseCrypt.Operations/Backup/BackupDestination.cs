namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Where a backup goes: a local directory (a USB disk) or <c>[user@]host:path</c> reached with ssh, parsed with rsync's
/// rule: a colon before the first slash makes a remote destination (write <c>./name:with-colon</c> for a local one).
/// rsync daemon destinations (<c>host::module</c>, <c>rsync://</c>) are refused: the remote side must be reached
/// through ssh so that it needs nothing but rsync and a POSIX shell.
/// </summary>
public sealed record BackupDestination
{
    private BackupDestination(string text, string? host, string path)
    {
        Text = text;
        Host = host;
        Path = path;
    }

    /// <summary>The destination as the user wrote it.</summary>
    public string Text { get; }

    /// <summary><c>[user@]host</c> for a remote destination (IPv6 addresses without brackets), null for a local one.</summary>
    public string? Host { get; }

    /// <summary>The directory: absolute for a local destination; on a remote one as written (relative paths are
    /// relative to the login directory, <c>~/</c> is the home directory). Never empty, no trailing slash (except "/").</summary>
    public string Path { get; }

    public bool IsRemote => Host is not null;

    /// <summary>Parses DEST. Throws <see cref="BackupException"/> (<see cref="BackupErrorKind.BadDestination"/>).</summary>
    public static BackupDestination Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw Bad(text, "it is empty");
        if (text.StartsWith("rsync://", StringComparison.OrdinalIgnoreCase))
            throw Bad(text, "rsync daemon destinations are not supported; use [user@]host:path (over ssh)");
        var colon = FindHostColon(text);
        if (colon < 0) return new BackupDestination(text, null, Normalize(System.IO.Path.GetFullPath(text)));

        var host = text[..colon];
        var path = text[(colon + 1)..];
        if (path.StartsWith(':'))
            throw Bad(text, "rsync daemon destinations (host::module) are not supported; use [user@]host:path (over ssh)");
        var at = host.LastIndexOf('@');
        var user = at < 0 ? null : host[..at];
        var hostName = at < 0 ? host : host[(at + 1)..];
        if (hostName.StartsWith('[') && hostName.EndsWith(']')) hostName = hostName[1..^1];
        if (hostName.Length == 0 || user?.Length == 0)
            throw Bad(text, "the host name is missing");
        if (host.StartsWith('-') || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '\'' or '"'))
            throw Bad(text, "the host name is not valid");
        host = user is null ? hostName : user + "@" + hostName;
        if (path.Length == 0) path = ".";
        if (path.Any(c => c is '\n' or '\0'))
            throw Bad(text, "the path contains a newline or NUL");
        return new BackupDestination(text, host, Normalize(path));
    }

    /// <summary>DEST/relative in rsync's syntax (host:path for a remote destination), without a trailing slash.</summary>
    public string RsyncPath(string relative = "") =>
        IsRemote ? $"{BracketedHost}:{Join(relative)}" : Join(relative);

    private string BracketedHost
    {
        get
        {
            var at = Host!.LastIndexOf('@');
            var hostName = Host[(at + 1)..];
            return hostName.Contains(':') ? $"{Host[..(at + 1)]}[{hostName}]" : Host;
        }
    }

    /// <summary>DEST/relative as a path on the destination machine.</summary>
    public string Join(string relative)
    {
        if (relative.Length == 0) return Path;
        return Path == "/" ? "/" + relative : Path + "/" + relative;
    }

    public override string ToString() => Text;

    private static int FindHostColon(string text)
    {
        if (text.StartsWith('/') || text.StartsWith("./", StringComparison.Ordinal) || text.StartsWith("../", StringComparison.Ordinal))
            return -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '/') return -1;
            if (text[i] == '[')
            {
                var close = text.IndexOf(']', i);
                if (close < 0) return -1;
                i = close;
                continue;
            }
            if (text[i] == ':') return i;
        }
        return -1;
    }

    private static string Normalize(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }

    private static BackupException Bad(string text, string why) =>
        new(BackupErrorKind.BadDestination, $"destination '{text}': {why}");
}
