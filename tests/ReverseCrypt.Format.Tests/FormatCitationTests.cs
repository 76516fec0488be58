using System.Text.RegularExpressions;

namespace ReverseCrypt.Format.Tests;

/// <summary>
/// Comments and documents cite the format specification as "docs/format.md 8.4", "docs/format.md sections 3.3, 4, 7",
/// "docs/format.md 8.1-8.5" or "docs/format.md 13 step 6". Every cited section (and step) must exist in
/// docs/format.md, so a renumbering or a deleted section cannot leave a citation pointing nowhere.
/// </summary>
public partial class FormatCitationTests
{
    private static readonly string[] s_scannedDirectories = ["src", "tests", "bench", "samples", "docs", "packaging"];
    private static readonly string[] s_scannedExtensions = [".cs", ".md", ".sh", ".1"];

    private sealed record Citation(string File, string Text, IReadOnlyList<string> Sections, IReadOnlyList<(string Section, int Step)> Steps);

    [Test]
    public void EveryCitedSection_ExistsInDocsFormatMd()
    {
        var (sections, steps) = Specification();
        var citations = Citations().ToList();
        Assert.That(citations.Count(c => c.Sections.Count > 0), Is.GreaterThanOrEqualTo(80),
            "the scan finds the ~90 citations of the code base (is the pattern still right?)");
        Assert.Multiple(() =>
        {
            foreach (var citation in citations)
            {
                foreach (string section in citation.Sections)
                {
                    Assert.That(sections, Does.Contain(section),
                        $"{citation.File}: \"{citation.Text}\" cites section {section}, which docs/format.md does not have");
                }
                foreach (var (section, step) in citation.Steps)
                {
                    Assert.That(steps.Contains((section, step)), Is.True,
                        $"{citation.File}: \"{citation.Text}\" cites step {step} of section {section}, which docs/format.md does not have");
                }
            }
        });
    }

    [Test]
    public void NothingCitesTheOldSpecificationName()
    {
        // The specification used to live outside the repository under an upper-case name.
        string oldName = "FORMAT" + ".md";
        var stale = ScannedFiles().Where(f => File.ReadAllText(f).Contains(oldName, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Repo.Root, f));
        Assert.That(stale, Is.Empty);
    }

    [Test]
    public void CitationParser_ReadsEveryForm()
    {
        // The parser itself, so that a pattern change cannot silently stop checking.
        var parsed = Parse("x", "see docs/format.md sections 3.3, 4 and 7; docs/format.md 8.1-8.3) and docs/format.md 13 step 6, "
            + "docs/format.md 11.5, with 3.1, 12.2 and 18: docs/format.md §2.1; docs/format.md, all").ToList();
        Assert.That(parsed.SelectMany(c => c.Sections),
            Is.EqualTo(new[] { "3.3", "4", "7", "8.1", "8.2", "8.3", "13", "11.5", "3.1", "12.2", "18", "2.1" }));
        Assert.That(parsed.SelectMany(c => c.Steps), Is.EqualTo(new[] { ("13", 6) }));
    }

    private static (HashSet<string> Sections, HashSet<(string, int)> Steps) Specification()
    {
        string path = Path.Combine(Repo.Root, "docs", "format.md");
        Assert.That(File.Exists(path), Is.True, "docs/format.md is missing");
        var sections = new HashSet<string>(StringComparer.Ordinal);
        var steps = new HashSet<(string, int)>();
        string? current = null;
        foreach (string line in File.ReadAllLines(path))
        {
            var heading = Heading().Match(line);
            if (heading.Success)
            {
                sections.Add(heading.Groups[1].Value);
                if (!heading.Groups[1].Value.Contains('.', StringComparison.Ordinal))
                {
                    current = heading.Groups[1].Value;
                }
                continue;
            }
            var item = NumberedItem().Match(line);
            if (item.Success && current is not null)
            {
                steps.Add((current, int.Parse(item.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        return (sections, steps);
    }

    private static IEnumerable<Citation> Citations() =>
        ScannedFiles().SelectMany(f => Parse(Path.GetRelativePath(Repo.Root, f), File.ReadAllText(f)));

    private static IEnumerable<string> ScannedFiles() =>
        s_scannedDirectories.Select(d => Path.Combine(Repo.Root, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => s_scannedExtensions.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "artifacts" or "bin" or "obj"))
            .Where(f => Path.GetRelativePath(Repo.Root, f) != Path.Combine("docs", "format.md"));

    private static IEnumerable<Citation> Parse(string file, string text)
    {
        // A citation may continue on the next comment line.
        string joined = LineBreak().Replace(text, " ");
        foreach (Match match in CitationPattern().Matches(joined))
        {
            var sections = new List<string>();
            var steps = new List<(string, int)>();
            foreach (Match reference in Reference().Matches(match.Groups["refs"].Value))
            {
                string first = reference.Groups["first"].Value;
                string last = reference.Groups["last"].Value;
                sections.AddRange(Expand(first, last.Length > 0 ? last : first));
                if (reference.Groups["step"].Success)
                {
                    steps.Add((first, int.Parse(reference.Groups["step"].Value, System.Globalization.CultureInfo.InvariantCulture)));
                }
            }
            yield return new Citation(file, match.Value.Trim(), sections, steps);
        }
    }

    /// <summary>"8.1" to "8.3" gives 8.1, 8.2, 8.3; a single section gives itself.</summary>
    private static IEnumerable<string> Expand(string first, string last)
    {
        if (first == last)
        {
            return [first];
        }
        string[] a = first.Split('.');
        string[] b = last.Split('.');
        if (a.Length != 2 || b.Length != 2 || a[0] != b[0])
        {
            return [first, last];
        }
        int from = int.Parse(a[1], System.Globalization.CultureInfo.InvariantCulture);
        int to = int.Parse(b[1], System.Globalization.CultureInfo.InvariantCulture);
        return Enumerable.Range(from, Math.Max(1, to - from + 1)).Select(i => $"{a[0]}.{i}");
    }

    [GeneratedRegex(@"[ \t]*\r?\n[ \t]*(?:///|//|#|\*)?[ \t]*")]
    private static partial Regex LineBreak();

    private const string Ref = @"\d+(?:\.\d+)?(?:\s*[-–]\s*\d+(?:\.\d+)?)?(?:\s+(?:step|item)\s+\d+)?";

    [GeneratedRegex(@"docs/format\.md`?(?:,?\s*(?:§\s*)?(?:sections?\s+)?(?<refs>" + Ref + @"(?:\s*(?:,|and|with|,\s*with)\s*" + Ref + @")*))?")]
    private static partial Regex CitationPattern();

    [GeneratedRegex(@"(?<first>\d+(?:\.\d+)?)(?:\s*[-–]\s*(?<last>\d+(?:\.\d+)?))?(?:\s+(?:step|item)\s+(?<step>\d+))?")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^#{2,4}\s+(\d+(?:\.\d+)?)\.?\s")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^(\d+)\.\s")]
    private static partial Regex NumberedItem();
}
