namespace ReverseCrypt.Operations.Backup;

/// <summary>rsync's closing statistics (<c>--info=stats2</c>), with -1 for a number it did not print.</summary>
public sealed record RsyncStats
{
    /// <summary>"Number of files" (all entries in the source, directories included).</summary>
    public long Files { get; init; } = -1;
    public long CreatedFiles { get; init; } = -1;
    public long DeletedFiles { get; init; } = -1;
    /// <summary>"Number of regular files transferred" (would be transferred, in a dry run).</summary>
    public long FilesTransferred { get; init; } = -1;
    public long TotalFileSize { get; init; } = -1;
    public long TransferredFileSize { get; init; } = -1;
    /// <summary>Bytes sent as new data (the rest was matched against the previous copy).</summary>
    public long LiteralData { get; init; } = -1;
    public long MatchedData { get; init; } = -1;
    /// <summary>"Total bytes sent": everything the sending side wrote, protocol included.</summary>
    public long BytesSent { get; init; } = -1;
    public long BytesReceived { get; init; } = -1;

    public static RsyncStats Empty { get; } = new();

    /// <summary>True when rsync printed its statistics.</summary>
    public bool Complete => FilesTransferred >= 0 && BytesSent >= 0;

    /// <summary>The statistics of two rsyncs of one run, added up (-1 where either did not print the number).</summary>
    public RsyncStats Plus(RsyncStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new RsyncStats
        {
            Files = Add(Files, other.Files),
            CreatedFiles = Add(CreatedFiles, other.CreatedFiles),
            DeletedFiles = Add(DeletedFiles, other.DeletedFiles),
            FilesTransferred = Add(FilesTransferred, other.FilesTransferred),
            TotalFileSize = Add(TotalFileSize, other.TotalFileSize),
            TransferredFileSize = Add(TransferredFileSize, other.TransferredFileSize),
            LiteralData = Add(LiteralData, other.LiteralData),
            MatchedData = Add(MatchedData, other.MatchedData),
            BytesSent = Add(BytesSent, other.BytesSent),
            BytesReceived = Add(BytesReceived, other.BytesReceived),
        };

        static long Add(long a, long b) => a < 0 || b < 0 ? -1 : a + b;
    }
}
