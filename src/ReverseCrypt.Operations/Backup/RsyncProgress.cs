namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// One update of rsync's whole-transfer progress (<c>--info=progress2</c>): bytes so far, percent of the total size
/// known so far, rsync's ETA, files transferred, and files still to check out of those listed so far (the list
/// grows while rsync scans, so the total is provisional until the scan ends).
/// </summary>
public readonly record struct RsyncProgress(long Bytes, int Percent, TimeSpan? Eta, int FilesTransferred, int ToCheck,
    int FilesListed, bool ScanFinished);
