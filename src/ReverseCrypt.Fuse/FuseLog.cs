using Microsoft.Extensions.Logging;

namespace ReverseCrypt.Fuse;

/// <summary>Log messages of the FUSE library (EventIds 1000-1099).</summary>
internal static partial class FuseLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Error,
        Message = "FUSE {Opcode} on node {NodeId} threw; answered EIO")]
    public static partial void HandlerThrew(this ILogger logger, Exception exception, string opcode, NodeId nodeId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Malformed FUSE {Name} request (opcode {Opcode}, {Length} bytes): {Problem} ({Suppressed} more malformed requests in the last second were not logged)")]
    public static partial void MalformedRequest(this ILogger logger, string name, uint opcode, int length, string problem,
        int suppressed);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Writing a FUSE reply failed: {Errno}")]
    public static partial void ReplyFailed(this ILogger logger, string errno);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error,
        Message = "Reading from the FUSE device failed, reader thread stops: {Errno}")]
    public static partial void DeviceReadFailed(this ILogger logger, string errno);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug,
        Message = "FUSE INIT: kernel {KernelMajor}.{KernelMinor}, using 7.{Minor}, flags 0x{Flags:x}, max_readahead {MaxReadahead}, max_pages {MaxPages}")]
    public static partial void Initialized(this ILogger logger, uint kernelMajor, uint kernelMinor, uint minor,
        ulong flags, uint maxReadahead, ushort maxPages);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error,
        Message = "FUSE INIT refused: {Reason}")]
    public static partial void InitRefused(this ILogger logger, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug,
        Message = "FUSE session ended; requests by opcode: {Requests}")]
    public static partial void SessionEnded(this ILogger logger, string requests);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Debug,
        Message = "FUSE request {Unique} {Opcode} node {NodeId} ({Length} bytes)")]
    public static partial void Request(this ILogger logger, ulong unique, string opcode, NodeId nodeId, int length);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug,
        Message = "FUSE reply {Unique}: {Error}, {Length} bytes")]
    public static partial void Reply(this ILogger logger, ulong unique, string error, int length);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error,
        Message = "{Method} on node {NodeId} returned an invalid length {Length} (buffer {Capacity}); answered EIO")]
    public static partial void InvalidLength(this ILogger logger, string method, NodeId nodeId, int length, int capacity);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning,
        Message = "Detached a stale FUSE mount at {Mountpoint} (its server had died)")]
    public static partial void StaleMountRecovered(this ILogger logger, string mountpoint);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information,
        Message = "Mounted {Mountpoint} ({FilesystemType})")]
    public static partial void Mounted(this ILogger logger, string mountpoint, string filesystemType);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information,
        Message = "Unmounted {Mountpoint}")]
    public static partial void Unmounted(this ILogger logger, string mountpoint);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error,
        Message = "Cannot unmount {Mountpoint}: {Message}")]
    public static partial void UnmountFailed(this ILogger logger, string mountpoint, string message);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information,
        Message = "Received {Signal}, unmounting {Mountpoint}")]
    public static partial void SignalReceived(this ILogger logger, string signal, string mountpoint);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Error,
        Message = "The filesystem's Destroy threw")]
    public static partial void DestroyThrew(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning,
        Message = "Cannot set the readahead window of {Mountpoint}: {Message}")]
    public static partial void ReadaheadNotSet(this ILogger logger, string mountpoint, string message);

    [LoggerMessage(EventId = 1040, Level = LogLevel.Information,
        Message = "FUSE over io_uring: {Workers} threads serve {Queues} per-CPU queues")]
    public static partial void UringReady(this ILogger logger, int workers, int queues);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Warning,
        Message = "FUSE over io_uring is not used, requests stay on /dev/fuse: {Reason}")]
    public static partial void UringUnavailable(this ILogger logger, string reason);

    [LoggerMessage(EventId = 1043, Level = LogLevel.Debug,
        Message = "FUSE over io_uring not started: {Reason}")]
    public static partial void UringNotStarted(this ILogger logger, string reason);

    [LoggerMessage(EventId = 1042, Level = LogLevel.Error,
        Message = "An io_uring FUSE worker stops: {Reason}")]
    public static partial void UringWorkerFailed(this ILogger logger, string reason);
}
