namespace ReverseCrypt.Operations.Tests;

/// <summary>Restore options on the recorded vector tree: --path, --dry-run, --overwrite, re-runs after an
/// interruption, progress reports; and fsck of the intact tree.</summary>
public sealed class RestoreBehaviourTests
{
    private TestDirectory _dir = null!;
    private string _cipher = null!;
    private TreeSnapshot _plain = null!;

    [SetUp]
    public void Extract()
    {
        _dir = new TestDirectory();
        _cipher = VectorTar.Extract("cipher_tree_reverse_view.tar", _dir.Sub("cipher"));
        _plain = TreeSnapshot.Take(VectorTar.Extract("plain_tree.tar", _dir.Sub("plain")), ".gocryptfs.reverse.conf");
    }

    [TearDown]
    public void Cleanup() => _dir.Dispose();

    private RestoreResult Restore(string target, Action<RestoreOptionsBuilder>? configure = null, IProgress<RestoreProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        var builder = new RestoreOptionsBuilder();
        configure?.Invoke(builder);
        using var core = TestKeys.CreateCore();
        return Restorer.Run(new RestoreOptions
        {
            CipherDir = _cipher,
            Target = target,
            Paths = builder.Paths,
            DryRun = builder.DryRun,
            Overwrite = builder.Overwrite,
            ProgressInterval = TimeSpan.FromMilliseconds(5),
        }, core, progress, cancellation);
    }

    public sealed class RestoreOptionsBuilder
    {
        public List<byte[]> Paths { get; } = [];
        public bool DryRun { get; set; }
        public bool Overwrite { get; set; }
    }

    [Test]
    public void Paths_RestoreOnlyTheNamedObjectsWithTheDirectoriesOnTheWay()
    {
        var target = _dir.Child("t");
        var result = Restore(target, o =>
        {
            o.Paths.Add("subdir/nested/deep.bin"u8.ToArray());
            o.Paths.Add("/one"u8.ToArray());
            o.Paths.Add(Encoding.UTF8.GetBytes(new string('M', 255)));
            o.Paths.Add("subdir/nested"u8.ToArray()); // contains the first: restored once
            o.Paths.Add("not/there"u8.ToArray());
        });
        var restored = TreeSnapshot.Take(target);

        Assert.That(restored.Nodes.Keys, Is.EquivalentTo(new[] { ".", "one", new string('M', 255), "subdir", "subdir/nested", "subdir/nested/deep.bin" }));
        _plain.Without(["empty", "a", "abslink", "f4096", "f4097", "f10000", "link", "name with spaces.txt", "xxxxxxxxxxxxxxx",
                "yyyyyyyyyyyyyyyy", "Ünïcödé-日本語-🙂.txt", new string('L', 200), new string('c', 176), new string('b', 175),
                "subdir/inner.txt", "subdir/uplink", "subdir/" + new string('d', 200), "."])
            .AssertSame(restored.Without(["."]), Compare.Owners | Compare.Times | Compare.DirectoryTimes, "selected paths");
        Assert.That(result.Failures, Has.Count.EqualTo(1));
        Assert.That(result.Failures[0].Kind, Is.EqualTo(RestoreFailureKind.NotFound));
        Assert.That(result.Failures[0].ToString(), Does.StartWith("not/there"));
    }

    [Test]
    public void Target_InsideTheEncryptedTree_IsRefused()
    {
        using var core = TestKeys.CreateCore();
        var error = Assert.Throws<IOException>(() =>
            Restorer.Run(new RestoreOptions { CipherDir = _cipher, Target = Path.Combine(_cipher, "restore-here") }, core));
        Assert.That(error!.Message, Does.Contain("inside the encrypted tree"));
        Assert.That(Directory.Exists(Path.Combine(_cipher, "restore-here")), Is.False, "nothing was created there");
    }

    [Test]
    public void DryRun_DecryptsEverythingAndWritesNothing()
    {
        var target = _dir.Child("t");
        var result = Restore(target, o => o.DryRun = true);
        Assert.That(Directory.Exists(target), Is.False);
        Assert.That(result.IsClean, Is.True);
        Assert.That(result.Counts.Files, Is.EqualTo(17));
        Assert.That(result.Counts.Bytes, Is.EqualTo(_plain.Nodes.Values.Where(n => n.Type == "file").Sum(n => n.Size)));
    }

    [Test]
    public void ExistingFiles_AreNeverOverwrittenWithoutOverwrite()
    {
        var target = _dir.Sub("t");
        File.WriteAllText(Path.Combine(target, "one"), "mine");
        var first = Restore(target);
        Assert.That(File.ReadAllText(Path.Combine(target, "one")), Is.EqualTo("mine"));
        Assert.That(first.Failures.Select(f => (f.Kind, Encoding.UTF8.GetString(f.PlainPath!))),
            Is.EqualTo(new[] { (RestoreFailureKind.Conflict, "one") }));

        var second = Restore(target, o => o.Overwrite = true);
        Assert.That(second.Failures, Is.Empty, string.Join("\n", second.Failures));
        Assert.That(second.Counts.AlreadyComplete, Is.EqualTo(_plain.Nodes.Count - 1 - 2 - 1), "everything but 'one', the root and 2 dirs");
        _plain.AssertSame(TreeSnapshot.Take(target), Compare.Owners | Compare.Times | Compare.DirectoryTimes, "after --overwrite");
    }

    [Test]
    public void ReRun_AfterAnInterruption_CompletesWithoutRedoingFinishedFiles()
    {
        var target = _dir.Child("t");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var interrupted = Restore(target, cancellation: cancelled.Token);
        Assert.That(interrupted.Cancelled, Is.True);
        Assert.That(interrupted.IsClean, Is.False);

        // Files deleted from a finished restore, directory times wrong: what an interruption leaves.
        var second = Restore(target);
        Assert.That(second.Failures, Is.Empty, string.Join("\n", second.Failures));
        File.Delete(Path.Combine(target, "f10000"));
        File.Delete(Path.Combine(target, "subdir", "nested", "deep.bin"));
        Directory.SetLastWriteTimeUtc(Path.Combine(target, "subdir"), DateTime.UtcNow);
        var third = Restore(target);

        Assert.That(third.Failures, Is.Empty, string.Join("\n", third.Failures));
        Assert.That(third.Counts.Files, Is.EqualTo(2));
        Assert.That(third.Counts.AlreadyComplete, Is.EqualTo(15 + 3));
        _plain.AssertSame(TreeSnapshot.Take(target), Compare.Owners | Compare.Times | Compare.DirectoryTimes, "after the re-run");
    }

    [Test]
    public void Progress_ReportsTotalsAndAFinalLine()
    {
        var reports = new List<RestoreProgress>();
        var result = Restore(_dir.Child("t"), progress: new SyncProgress(reports.Add));
        Assert.That(reports, Is.Not.Empty);
        var last = reports[^1];
        Assert.That(last.Finished, Is.True);
        Assert.That(last.BytesDone, Is.EqualTo(last.BytesTotal));
        Assert.That(last.FilesTotal, Is.EqualTo(_plain.Nodes.Count - 1));
        Assert.That(last.FilesDone, Is.EqualTo(last.FilesTotal));
        Assert.That(result.IsClean, Is.True);
    }

    [Test]
    public void Fsck_IntactRecordedTree_IsClean()
    {
        using var core = TestKeys.CreateCore();
        var reports = new List<FsckProgress>();
        var report = Fsck.Run(new FsckOptions { CipherDir = _cipher, ProgressInterval = TimeSpan.FromMilliseconds(5) }, core,
            new SyncProgress<FsckProgress>(reports.Add));
        Assert.That(report.Problems, Is.Empty, string.Join("\n", report.Problems));
        Assert.That(report.IsClean, Is.True);
        Assert.That(report.Counts.Files, Is.EqualTo(17));
        Assert.That(report.Counts.Directories, Is.EqualTo(2));
        Assert.That(report.Counts.Symlinks, Is.EqualTo(3));
        Assert.That(report.Counts.Bytes, Is.EqualTo(_plain.Nodes.Values.Where(n => n.Type == "file").Sum(n => n.Size)));
        Assert.That(reports[^1].Finished, Is.True);
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<RestoreProgress> action) : IProgress<RestoreProgress>
    {
        private readonly Lock _lock = new();

        public void Report(RestoreProgress value)
        {
            lock (_lock)
            {
                action(value);
            }
        }
    }

    private sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
    {
        private readonly Lock _lock = new();

        public void Report(T value)
        {
            lock (_lock)
            {
                action(value);
            }
        }
    }
}
