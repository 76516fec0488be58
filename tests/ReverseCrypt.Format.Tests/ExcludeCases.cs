namespace ReverseCrypt.Format.Tests;

/// <summary>
/// Gitignore cases: pattern sets with paths and the verdict of `git check-ignore` (git 2.39), which
/// ExcludeMatcherTests.Git_agrees_with_the_table re-checks against the installed git.
/// </summary>
internal static class ExcludeCases
{
    public sealed record PathCase(string Path, bool IsDirectory, bool Excluded);

    public sealed record PatternSet(string Name, string[] Patterns, PathCase[] Paths);

    private static PathCase F(string path, bool excluded) => new(path, false, excluded);

    private static PathCase D(string path, bool excluded) => new(path, true, excluded);

    public static readonly PatternSet[] Sets =
    [
        new("anchored_and_unanchored", ["/root.txt", "logs", "docs/*.html", "a/b/c"],
        [
            F("root.txt", true), F("sub/root.txt", false),
            D("logs", true), D("x/logs", true), F("x/logs/y", true), F("logsx", false), F("xlogs", false),
            D("docs", false), F("docs/index.html", true), F("docs/sub/index.html", false), F("x/docs/a.html", false),
            D("a/b/c", true), F("x/a/b/c", false), F("a/b/c/d", true), F("a/b/cd", false),
        ]),
        new("double_star", ["**/cache", "src/**/gen", "out/**", "**/*.tmp", "a**b"],
        [
            D("cache", true), D("x/y/cache", true), F("x/y/cache/z", true), F("cachex", false),
            D("src/gen", true), F("src/a/b/gen", true), F("gen", false), F("x/src/gen", false), F("src/gen2", false),
            D("out", false), D("out/a", true), F("out/a/b", true),
            F("q.tmp", true), F("a/b/q.tmp", true), F("q.tmpx", false),
            F("axxb", true), F("ab", true), D("ax", false), F("ax/b", false),
        ]),
        new("wildcards_and_brackets", ["file?.txt", "[a-c]*.log", "[!x]y", "*.[oa]", "data[0-9][0-9]", "\\[lit\\]", "caf?", "[[:digit:]]z"],
        [
            F("file1.txt", true), F("file12.txt", false), F("file.txt", false), F("d/fileX.txt", true),
            F("a.log", true), F("ab.log", true), F("d.log", false),
            F("zy", true), F("xy", false), F("y", false),
            F("m.o", true), F("m.a", true), F("m.c", false),
            F("data12", true), F("data1", false), F("data123", false),
            F("[lit]", true), F("l", false),
            F("cafe", true), F("caf\u00e9", false), // "?" is one byte, "é" is two
            F("7z", true), F("az", false),
        ]),
        new("negation_escapes_comments", ["*.log", "!keep.log", "#comment", "\\#hash", "\\!bang", "trail  ", "esc\\ ", "dironly/", "!dironly/ok", "", "   "],
        [
            F("a.log", true), F("keep.log", false), F("x/keep.log", false), F("x/a.log", true),
            F("#comment", false), F("#hash", true), F("!bang", true),
            F("trail", true), F("trail  ", false),
            F("esc ", true), F("esc", false),
            D("dironly", true), F("dironly/ok", true), F("x/dironly/y", true),
        ]),
        new("directory_only_pattern_and_files", ["dironly/", "sub/dir/"],
        [
            F("dironly", false), F("x/dironly", false), D("y/dironly", true), F("sub/dir", false), D("x/sub/dir", false),
        ]),
        new("reinclude_by_type", ["*", "!*/", "!*.txt"],
        [
            F("a.bin", true), D("d", false), F("d/a.txt", false), F("d/a.bin", true), F("a.txt", false), D("d/e", false),
        ]),
        new("later_patterns_win", ["/a", "!/a", "b", "!b", "b"],
        [
            F("a", false), F("b", true), F("x/b", true),
        ]),
    ];

    public static IEnumerable<TestCaseData> All()
    {
        foreach (var set in Sets)
        {
            foreach (var p in set.Paths)
            {
                yield return new TestCaseData(set.Patterns, p.Path, p.IsDirectory, p.Excluded)
                    .SetName($"Exclude_{set.Name}_{(p.IsDirectory ? "dir" : "file")}_{p.Path.Replace('/', '|')}");
            }
        }
    }
}
