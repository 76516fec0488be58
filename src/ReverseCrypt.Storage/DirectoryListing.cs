namespace ReverseCrypt.Storage;

/// <summary>
/// The decrypted content of one encrypted directory: the entries whose names decrypted (in getdents order, without
/// the special gocryptfs files) and the problems found (undecryptable names, bad .name files, a bad diriv...).
/// </summary>
public sealed class DirectoryListing
{
    internal DirectoryListing(DirectoryIvs ivs, List<CipherEntry> entries, List<CipherProblem> problems)
    {
        Ivs = ivs;
        Entries = entries;
        Problems = problems;
    }

    /// <summary>The directory's name IVs as read for this listing.</summary>
    public DirectoryIvs Ivs { get; }

    public IReadOnlyList<CipherEntry> Entries { get; }

    public IReadOnlyList<CipherProblem> Problems { get; }
}
