namespace ReverseCrypt.Operations.Tests;

/// <summary>The encrypted view recorded from gocryptfs 2.3 -reverse (shared vectors) read back offline.</summary>
public sealed class VectorTreeTests
{
    [Test]
    public void List_RootOfRecordedView_DecryptsEveryNameOfTheVectorTable()
    {
        using var dir = new TestDirectory();
        var cipher = VectorTar.Extract("cipher_tree_reverse_view.tar", dir.Sub("cipher"));
        using var core = TestKeys.CreateCore();
        using var tree = new CipherTree(cipher, core);
        using var root = tree.OpenRoot();
        var listing = tree.List(root);

        var expected = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Vectors", "reverse_tree_vectors.tsv"))
            .Skip(1).Select(l => l.Split('\t')).Where(f => !f[0].Contains('/', StringComparison.Ordinal) && f[1].Length > 0
                && !f[1].Contains('/', StringComparison.Ordinal) && f[2] != "virtual")
            .ToDictionary(f => f[0], f => f[1]);
        var actual = listing.Entries.ToDictionary(e => Encoding.ASCII.GetString(e.CipherName), e => Encoding.UTF8.GetString(e.PlainName));

        Assert.That(listing.Problems, Is.Empty);
        Assert.That(listing.Ivs.Status, Is.EqualTo(DirIvStatus.Ok));
        Assert.That(actual, Is.EquivalentTo(expected.Where(kv => actual.ContainsKey(kv.Key) || !kv.Key.StartsWith("gocryptfs.", StringComparison.Ordinal))));
        Assert.That(actual.Values, Does.Contain("Ünïcödé-日本語-🙂.txt").And.Contain(new string('M', 255)).And.Contain("subdir"));
    }

    [Test]
    public void Restore_RecordedView_EqualsThePlaintextTree()
    {
        using var dir = new TestDirectory();
        var cipher = VectorTar.Extract("cipher_tree_reverse_view.tar", dir.Sub("cipher"));
        var plain = VectorTar.Extract("plain_tree.tar", dir.Sub("plain"));
        var target = dir.Child("restored");
        using var core = TestKeys.CreateCore();

        var result = Restorer.Run(new RestoreOptions { CipherDir = cipher, Target = target }, core);

        Assert.That(result.Failures, Is.Empty, string.Join("\n", result.Failures));
        Assert.That(result.IsClean, Is.True, string.Join("\n", result.Damage));
        Assert.That(result.Counts.Files, Is.EqualTo(17));
        TreeSnapshot.Take(plain, ".gocryptfs.reverse.conf")
            .AssertSame(TreeSnapshot.Take(target), Compare.Owners | Compare.Times | Compare.DirectoryTimes, "restored vector tree");
    }

    [Test]
    [Category("Mount")]
    public void ForwardMount_RecordedViewWithMasterKeyAndReverseDefaults_ShowsThePlaintextTree()
    {
        using var dir = new TestDirectory();
        var cipher = VectorTar.Extract("cipher_tree_reverse_view.tar", dir.Sub("cipher"));
        var plain = VectorTar.Extract("plain_tree.tar", dir.Sub("plain"));
        File.Delete(Path.Combine(cipher, "gocryptfs.conf")); // --masterkey without a config: reverse-mode defaults
        using var core = TestKeys.CreateCore();
        using var mount = new MountedForward(cipher, core, dir.Child("mount"));
        Run.Ok($"touch -d 2024-01-01T00:00:00Z {Run.Quote(cipher)}");
        TreeSnapshot.Take(plain, ".gocryptfs.reverse.conf")
            .AssertSame(TreeSnapshot.Take(mount.MountPoint), Compare.Owners | Compare.Times | Compare.DirectoryTimes, "mounted vector tree");
    }
}
