using ReverseCrypt.Format;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// One path a dry run would change on the destination, by plaintext path: <c>send</c> (new, or its content
/// changed), <c>attrs</c> (only times, permissions, owner, ACLs or xattrs differ) or <c>delete</c> (not in the
/// source any more). The format's own companions (<c>gocryptfs.diriv</c> of a directory, the <c>.name</c> file of a
/// long name) go with their directory or file and are not listed.
/// </summary>
public sealed record DryRunChange(string Action, string PlainPath)
{
    /// <summary>JSON lists at most this many (with the total count); the text lists all.</summary>
    public const int JsonLimit = 10_000;

    /// <summary>The changes in rsync's <c>--out-format=%i %n</c> lines, in rsync's order, decoded by
    /// <paramref name="decode"/> (cipher path to plaintext path).</summary>
    public static List<DryRunChange> FromRsync(IEnumerable<string> lines, Func<string, string> decode)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(decode);
        var changes = new List<DryRunChange>();
        foreach (var line in lines)
        {
            if (!VerifyDifference.TryParse(line, out var d)) continue;
            var last = d.CipherPath[(d.CipherPath.LastIndexOf('/') + 1)..];
            if (last == "gocryptfs.diriv" || NameTransform.IsLongNameDotName(System.Text.Encoding.UTF8.GetBytes(last))) continue;
            var action = d.Kind switch
            {
                VerifyDifferenceKind.Extra => "delete",
                VerifyDifferenceKind.Metadata => "attrs",
                _ => "send",
            };
            changes.Add(new DryRunChange(action, decode(d.CipherPath)));
        }
        return changes;
    }
}
