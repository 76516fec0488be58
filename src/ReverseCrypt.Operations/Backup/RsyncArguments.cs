using System.Text.RegularExpressions;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// The rsync command lines of backup and verify. Always <c>-aHAX --numeric-ids --delete</c> (hard links, ACLs,
/// xattrs, numeric owners, an exact mirror), <c>--no-h</c> so that the numbers we parse are plain digits, and
/// <c>-e COMMAND</c> for a remote destination.
/// </summary>
public static partial class RsyncArguments
{
    /// <summary>Where rsync keeps partially transferred files between runs, relative to each directory. The name
    /// can never be an encrypted name, so it never collides with the tree.</summary>
    public const string PartialDir = ".rsync-partial";

    private static readonly string[] Common = ["-aHAX", "--numeric-ids", "--delete", "--no-h"];

    /// <summary>
    /// <c>rsync -aHAX --numeric-ids --delete --no-h --partial-dir=.rsync-partial --info=progress2,stats2
    /// [--link-dest=../PREVIOUS] [--bwlimit=RATE] [-n] [-e SSH] VIEW/ TARGET/</c>.
    /// <paramref name="linkDest"/> is a snapshot name, found next to the target (<c>../NAME</c>, as rsync takes a
    /// relative --link-dest relative to the destination directory).
    /// </summary>
    public static IReadOnlyList<string> ForBackup(string viewPath, string rsyncTarget, string? remoteShell, string? linkDest,
        string? bwLimit, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(viewPath);
        ArgumentNullException.ThrowIfNull(rsyncTarget);
        var args = new List<string>(Common) { $"--partial-dir={PartialDir}", "--info=progress2,stats2" };
        if (linkDest is not null) args.Add($"--link-dest=../{linkDest}");
        if (bwLimit is not null) args.Add($"--bwlimit={bwLimit}");
        if (dryRun) args.Add("--dry-run");
        if (remoteShell is not null) args.AddRange(["-e", remoteShell]);
        args.Add(WithSlash(viewPath));
        args.Add(WithSlash(rsyncTarget));
        return args;
    }

    /// <summary>
    /// <c>rsync -aHAX --numeric-ids --delete --no-h --dry-run --checksum --out-format=%i %n --info=stats2 [-e SSH] VIEW/ TARGET/</c>:
    /// compares every file's full checksum (the remote computes its own, so it never needs the key) and lists every
    /// difference without changing anything.
    /// </summary>
    public static IReadOnlyList<string> ForVerify(string viewPath, string rsyncTarget, string? remoteShell)
    {
        ArgumentNullException.ThrowIfNull(viewPath);
        ArgumentNullException.ThrowIfNull(rsyncTarget);
        var args = new List<string>(Common) { "--dry-run", "--checksum", "--out-format=%i %n", "--info=stats2" };
        if (remoteShell is not null) args.AddRange(["-e", remoteShell]);
        args.Add(WithSlash(viewPath));
        args.Add(WithSlash(rsyncTarget));
        return args;
    }

    /// <summary>Checks a --bwlimit value the way rsync reads it: a number (KiB/s), optionally with a fraction and a
    /// unit (K, M, G, T, with optional B or iB; lower case too). 0 means no limit.</summary>
    public static bool IsValidBwLimit(string value) => BwLimitRegex().IsMatch(value ?? "");

    private static string WithSlash(string path) => path.EndsWith('/') ? path : path + "/";

    [GeneratedRegex(@"^\d+(\.\d+)?([KMGTkmgt](i?[Bb])?|[Bb])?$")]
    private static partial Regex BwLimitRegex();
}
