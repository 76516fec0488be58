namespace ReverseCrypt.Operations.Backup;

/// <summary>What verify compared and found.</summary>
public sealed record VerifyResult(string Target, string? Snapshot, IReadOnlyList<VerifyDifference> Differences, RsyncRun Run)
{
    public bool Identical => Differences.Count == 0;
}
