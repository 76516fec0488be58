namespace ReverseCrypt.Operations.Restore;

/// <summary>Why an object was not (completely) restored.</summary>
public enum RestoreFailureKind
{
    /// <summary>The encrypted object is damaged (see <see cref="RestoreFailure.Problem"/>).</summary>
    Damaged,
    /// <summary>A path given with --path does not exist in the encrypted tree.</summary>
    NotFound,
    /// <summary>Something else exists at the target path and --overwrite was not given (or it is a directory).</summary>
    Conflict,
    /// <summary>Creating or writing the object in the target failed (errno in the reason).</summary>
    TargetError,
    /// <summary>Reading the encrypted tree failed (not damage: permissions, I/O).</summary>
    SourceError,
    /// <summary>A character or block device node or a FIFO, not created because <see cref="RestoreOptions.Devices"/>
    /// was not given.</summary>
    DeviceSkipped,
}
