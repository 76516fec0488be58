using Microsoft.Extensions.Logging;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// Log messages of the reverse view, EventIds 3000-3099. Plaintext names appear only at Debug, except in the
/// warnings that must name the user's file so that it can be fixed (unreadable file, xattr left out).
/// </summary>
internal static partial class ReverseLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Reverse view of {PlainRoot} created (device {RootDev})")]
    public static partial void ViewCreated(ILogger logger, string plainRoot, ulong rootDev);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Cannot read {PlainPath}: {Error}; it reads as 'permission denied' in the view, the rest is served")]
    public static partial void UnreadableFile(ILogger logger, string plainPath, string error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Extended attribute {AttrName} of {PlainPath} is left out of the view: its encrypted name would exceed 255 bytes")]
    public static partial void XattrNameTooLong(ILogger logger, string plainPath, string attrName);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning,
        Message = "Extended attribute {AttrName} of {PlainPath} is left out of the view: encrypted attributes are user.* attributes, which Linux allows only on regular files and directories")]
    public static partial void XattrOnSpecialFile(ILogger logger, string plainPath, string attrName);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Lookup of {CipherName} in node {ParentNodeId}: {Errno}")]
    public static partial void LookupFailed(ILogger logger, string cipherName, ulong parentNodeId, string errno);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Listing node {NodeId}: entry {PlainName} skipped ({Errno})")]
    public static partial void EntrySkipped(ILogger logger, ulong nodeId, string plainName, string errno);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning,
        Message = "A plaintext file named gocryptfs.conf in the root is hidden: with plaintext names that name shows the config")]
    public static partial void PlaintextConfCollision(ILogger logger);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Debug, Message = "Listing of node {NodeId} failed: {Errno}")]
    public static partial void ListingFailed(ILogger logger, ulong nodeId, string errno);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Debug, Message = "Read of node {NodeId} failed: {Errno}")]
    public static partial void ReadFailed(ILogger logger, ulong nodeId, string errno);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Debug, Message = "Reverse view destroyed ({Nodes} nodes, {Handles} open handles, {Adopted} of {Prefetched} listings prepared ahead used)")]
    public static partial void Destroyed(ILogger logger, int nodes, int handles, long adopted, long prefetched);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Preparing the listing of node {NodeId} ahead failed; it is listed when opened")]
    public static partial void PrefetchFailed(ILogger logger, ulong nodeId, Exception exception);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning,
        Message = "{PlainPath} shrank while it was read (from {PinnedSize} to {Size} bytes): the missing part reads as an I/O error, never as a cut block")]
    public static partial void ShrunkWhileRead(ILogger logger, string plainPath, long pinnedSize, long size);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning,
        Message = "{PlainPath} was replaced by another file under the same name after its attributes were read: not served this time (the backup keeps its earlier version)")]
    public static partial void ReplacedWhileServed(ILogger logger, string plainPath);
}
