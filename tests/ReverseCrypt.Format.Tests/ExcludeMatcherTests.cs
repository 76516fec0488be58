using System.Text;

namespace ReverseCrypt.Format.Tests;

public class ExcludeMatcherTests
{
    [TestCaseSource(typeof(ExcludeCases), nameof(ExcludeCases.All))]
    public void Gitignore_table(string[] patterns, string path, bool isDirectory, bool excluded)
    {
        var matcher = new ExcludeMatcher(patterns);
        Assert.That(matcher.IsExcluded(Encoding.UTF8.GetBytes(path), isDirectory), Is.EqualTo(excluded));
    }

    /// <summary>The expected values of the table are git's: each set is replayed in a scratch repository.</summary>
    [Test]
    [Category("Git")]
    public void Git_agrees_with_the_table()
    {
        foreach (var set in ExcludeCases.Sets)
        {
            var root = Directory.CreateTempSubdirectory("rc-gitignore-");
            try
            {
                Run.ProgramOk("git", ["init", "-q", "."], workingDirectory: root.FullName);
                File.WriteAllText(Path.Combine(root.FullName, ".gitignore"), string.Join('\n', set.Patterns) + "\n");
                foreach (var p in set.Paths)
                {
                    var full = Path.Combine(root.FullName, p.Path);
                    if (p.IsDirectory)
                    {
                        Directory.CreateDirectory(full);
                    }
                    else
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                        File.WriteAllText(full, "");
                    }
                }
                var input = string.Join('\0', set.Paths.Select(p => p.Path)) + "\0";
                var output = Run.Program("git", ["check-ignore", "--no-index", "--stdin", "-z", "-v", "-n"], input, workingDirectory: root.FullName).Stdout;
                var fields = output.Split('\0');
                for (var i = 0; i + 3 < fields.Length; i += 4)
                {
                    var path = fields[i + 3];
                    var gitExcluded = fields[i].Length > 0 && !fields[i + 2].StartsWith('!');
                    var expected = set.Paths.Single(p => p.Path == path).Excluded;
                    Assert.That(gitExcluded, Is.EqualTo(expected), $"{set.Name}: git says {path} excluded={gitExcluded}");
                }
                Assert.That(fields.Length / 4, Is.EqualTo(set.Paths.Length));
            }
            finally
            {
                root.Delete(recursive: true);
            }
        }
    }

    [Test]
    public void Question_mark_is_a_wildcard_unlike_gocryptfs()
    {
        var matcher = new ExcludeMatcher(["foo?"]);
        Assert.That(matcher.IsExcluded("fooa"u8, false), Is.True);
        Assert.That(matcher.IsExcluded("foo?"u8, false), Is.True);
        Assert.That(matcher.IsExcluded("foo"u8, false), Is.False);
    }

    [Test]
    public void Matching_is_case_sensitive_and_works_on_raw_bytes()
    {
        var matcher = new ExcludeMatcher(["*.bin", "Secret"]);
        Assert.That(matcher.IsExcluded([0xff, 0xfe, (byte)'.', (byte)'b', (byte)'i', (byte)'n'], false), Is.True);
        Assert.That(matcher.IsExcluded("secret"u8, false), Is.False);
        Assert.That(matcher.IsExcluded("Secret"u8, false), Is.True);
    }

    [Test]
    public void The_root_is_never_excluded_and_empty_matchers_exclude_nothing()
    {
        Assert.That(new ExcludeMatcher(["*", "**"]).IsExcluded([], true), Is.False);
        Assert.That(new ExcludeMatcher(["", "   ", "# only a comment"]).IsEmpty, Is.True);
        Assert.That(ExcludeMatcher.None.IsEmpty, Is.True);
        Assert.That(ExcludeMatcher.None.IsExcluded("anything"u8, false), Is.False);
        Assert.That(new ExcludeMatcher(["x"]).IsEmpty, Is.False);
    }

    [Test]
    public void FromOptions_combines_paths_wildcards_and_files_in_gocryptfs_order()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "# excludes\r\n*.tmp\r\n!keep.tmp\r\n\r\ncache/\n");
            var matcher = ExcludeMatcher.FromOptions(["secret", "/dir/sub"], ["*.bak"], [file]);
            Assert.That(matcher.IsExcluded("secret"u8, false), Is.True);
            Assert.That(matcher.IsExcluded("x/secret"u8, false), Is.False, "-exclude is anchored at the root");
            Assert.That(matcher.IsExcluded("dir/sub"u8, true), Is.True);
            Assert.That(matcher.IsExcluded("dir/sub/file"u8, false), Is.True);
            Assert.That(matcher.IsExcluded("dir"u8, true), Is.False);
            Assert.That(matcher.IsExcluded("a/b.bak"u8, false), Is.True);
            Assert.That(matcher.IsExcluded("a/b.tmp"u8, false), Is.True, "CRLF line endings are stripped");
            Assert.That(matcher.IsExcluded("keep.tmp"u8, false), Is.False);
            Assert.That(matcher.IsExcluded("x/cache"u8, true), Is.True);
            Assert.That(matcher.IsExcluded("x/cache"u8, false), Is.False);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void A_missing_exclude_from_file_is_an_error()
        => Assert.That(() => ExcludeMatcher.FromOptions([], [], ["/nonexistent/rc-excludes"]), Throws.InstanceOf<IOException>());

    [TestCase("[abc", "a")]
    [TestCase("x\\", "x")]
    public void Malformed_patterns_match_nothing(string pattern, string path)
        => Assert.That(new ExcludeMatcher([pattern]).IsExcluded(Encoding.UTF8.GetBytes(path), false), Is.False);
}
