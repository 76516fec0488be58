using Microsoft.Extensions.Logging;

namespace ReverseCrypt.FileSystems.Forward;

/// <summary>
/// Log messages of the forward (plaintext) view, EventIds 3100-3199. A damaged object is logged once, naming its
/// cipher path and, where the names decrypt, its plaintext path (the user must be able to find it); other
/// plaintext names appear only at Debug.
/// </summary>
internal static partial class ForwardLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Debug, Message = "Forward view of {CipherDir} created (device {RootDev})")]
    public static partial void ViewCreated(ILogger logger, string cipherDir, ulong rootDev);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error,
        Message = "Damaged: {CipherPath} ({PlainPath}): {Problem}; it answers EIO, everything else is served")]
    public static partial void Damaged(ILogger logger, string cipherPath, string plainPath, string problem);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Damaged: {Problem}")]
    public static partial void DirectoryProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "Unexpected error in {Operation} on node {NodeId}")]
    public static partial void Unexpected(ILogger logger, Exception exception, string operation, ulong nodeId);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Debug, Message = "{Operation} of {CipherPath} failed: {Errno}")]
    public static partial void OperationFailed(ILogger logger, string operation, string cipherPath, string errno);
}
