using System.Text.RegularExpressions;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>Parses annotated hex dumps: "//" starts a comment, whitespace is ignored.</summary>
internal static partial class Hex
{
    public static byte[] Parse(string annotated)
    {
        string digits = string.Concat(annotated.Split('\n').Select(line =>
        {
            int comment = line.IndexOf("//", StringComparison.Ordinal);
            return WhitespaceRegex().Replace(comment >= 0 ? line[..comment] : line, "");
        }));
        return Convert.FromHexString(digits);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
