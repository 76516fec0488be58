namespace ReverseCrypt.Operations.Backup;

/// <summary>A backup or verify failure the user can act on: one line of text plus its kind.</summary>
public sealed class BackupException(BackupErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public BackupErrorKind Kind { get; } = kind;

    /// <summary>rsync's own exit code when the failure came from rsync, else null.</summary>
    public int? RsyncExitCode { get; init; }
}
