namespace ReverseCrypt.Operations.Backup;

/// <summary>A finished child process: its exit code (128+N when killed by signal N) and what it printed.</summary>
public sealed record ChildResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last non-empty line of stderr (ssh and rsync put the reason there), or "".</summary>
    public string LastErrorLine =>
        Stderr.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
}
