using Microsoft.Extensions.Logging;

namespace ReverseCrypt.Operations.Remote;

/// <summary>Log messages of the SFTP client, EventIds 4400-4409.</summary>
internal static partial class SftpLog
{
    [LoggerMessage(EventId = 4400, Level = LogLevel.Warning,
        Message = "SFTP connection to {Host} lost ({Reason}); its pending requests answered EIO; connecting again (connection {Generation})")]
    public static partial void Reconnecting(ILogger logger, string host, string reason, int generation);
}
