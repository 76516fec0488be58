namespace ReverseCrypt.Fuse;

/// <summary>
/// Mounting or unmounting failed. <see cref="Exception.Message"/> is one line that names the mountpoint, the cause
/// and what to do about it.
/// </summary>
public sealed class FuseMountException : Exception
{
    public FuseMountException(FuseMountErrorKind kind, string mountpoint, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Mountpoint = mountpoint;
    }

    public FuseMountErrorKind Kind { get; }

    public string Mountpoint { get; }
}
