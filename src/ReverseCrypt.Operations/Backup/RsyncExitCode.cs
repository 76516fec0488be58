namespace ReverseCrypt.Operations.Backup;

/// <summary>rsync's exit codes (its man page, "EXIT VALUES"), and what each means for a backup.</summary>
public static class RsyncExitCode
{
    public const int Ok = 0;
    public const int Interrupted = 20;
    public const int PartialError = 23;
    public const int PartialVanished = 24;
    /// <summary>The remote shell failed (ssh passes 255 up when it cannot connect or log in).</summary>
    public const int RemoteShellFailed = 255;
    /// <summary>The remote shell could not start rsync on the other side.</summary>
    public const int RemoteCommandNotFound = 127;

    /// <summary>rsync's description of its code.</summary>
    public static string Describe(int code) => code switch
    {
        0 => "success",
        1 => "syntax or usage error",
        2 => "protocol incompatibility",
        3 => "errors selecting input/output files, dirs",
        4 => "requested action not supported",
        5 => "error starting client-server protocol",
        6 => "daemon unable to append to log-file",
        10 => "error in socket I/O",
        11 => "error in file I/O",
        12 => "error in rsync protocol data stream",
        13 => "errors with program diagnostics",
        14 => "error in IPC code",
        20 => "received SIGUSR1 or SIGINT",
        21 => "some error returned by waitpid()",
        22 => "error allocating core memory buffers",
        23 => "partial transfer due to error",
        24 => "partial transfer due to vanished source files",
        25 => "the --max-delete limit stopped deletions",
        30 => "timeout in data send/receive",
        35 => "timeout waiting for daemon connection",
        124 => "remote shell failed",
        125 => "remote shell killed",
        126 => "remote command could not be run",
        127 => "remote command not found (is rsync installed on the remote host?)",
        255 => "the remote shell (ssh) failed: host unreachable or login refused",
        _ => "unknown error",
    };

    /// <summary>What a finished rsync means: null for success, else the failure kind.</summary>
    public static BackupErrorKind? Classify(int code, bool cancelled, bool remote)
    {
        if (code == Ok) return null;
        if (cancelled || code == Interrupted) return BackupErrorKind.Interrupted;
        return code switch
        {
            PartialError or PartialVanished => BackupErrorKind.PartialTransfer,
            RemoteShellFailed when remote => BackupErrorKind.RemoteUnreachable,
            RemoteCommandNotFound when remote => BackupErrorKind.ToolMissing,
            _ => BackupErrorKind.RsyncFailed,
        };
    }
}
