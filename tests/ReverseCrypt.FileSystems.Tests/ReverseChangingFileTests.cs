using System.Diagnostics;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// Issue 12: files that change while the mounted view serves them. Whatever a reader gets must decrypt (checked with
/// the real <c>gocryptfs -ro</c>): a grown file is served as the authentic state of the size the kernel was told, a
/// shrunk one gives EIO for the missing part, and the view lists every such file in
/// <see cref="ReverseFileSystem.ChangedWhileServed"/>. Every test unmounts in teardown, also when it fails.
/// </summary>
[Category("Mount")]
[NonParallelizable]
public class ReverseChangingFileTests
{
    private TestDirectory _dir = null!;
    private string _plain = null!;
    private string _passfile = null!;
    private readonly List<IDisposable> _cleanup = [];

    [SetUp]
    public void SetUp()
    {
        Require.Fuse();
        Require.Root();
        Require.Tool("gocryptfs");
        Require.Tool("rsync");
        Require.Tool("fusermount3");
        _dir = new TestDirectory();
        _plain = _dir.Sub("plain");
        _passfile = Gocryptfs.PassFile(_plain);
    }

    [TearDown]
    public void TearDown()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
        {
            try
            {
                _cleanup[i].Dispose();
            }
            catch (Exception e)
            {
                TestContext.Out.WriteLine("cleanup: " + e.Message);
            }
        }
        _cleanup.Clear();
        _dir?.Dispose();
    }

    private T Keep<T>(T disposable) where T : IDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    private MountedReverse MountOurs()
    {
        Gocryptfs.InitReverse(_plain);
        var core = Keep(Gocryptfs.OpenCore(Path.Combine(_plain, ".gocryptfs.reverse.conf")));
        return Keep(new MountedReverse(new ReverseOptions(_plain), core, _dir.Sub("ours")));
    }

    private string P(string name) => Path.Combine(_plain, name);

    /// <summary>The view path of each plaintext root entry (found by the passed-through inode number).</summary>
    private static Dictionary<string, string> ViewPaths(MountedReverse view, IEnumerable<string> plainNames)
    {
        var byIno = new Dictionary<ulong, string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(view.MountPoint))
        {
            byIno[ReverseViewVectorTests.Stat(entry).Ino] = entry;
        }
        return plainNames.ToDictionary(n => n, n => byIno[ReverseViewVectorTests.Stat(Path.Combine(view.FileSystem.Tree.RootPath, n)).Ino]);
    }

    /// <summary>Decrypts what a reader got from the view with gocryptfs -ro: an encrypted root holding the view's
    /// gocryptfs.conf and gocryptfs.diriv and <paramref name="served"/> (view name -> bytes); returns plaintext name
    /// -> content. A file that does not authenticate fails the read (IOException).</summary>
    private Dictionary<string, byte[]> DecryptServed(MountedReverse view, Dictionary<string, byte[]> served)
    {
        string copy = _dir.Sub("served-" + Guid.NewGuid().ToString("N")[..8]);
        File.Copy(Path.Combine(view.MountPoint, "gocryptfs.conf"), Path.Combine(copy, "gocryptfs.conf"));
        File.Copy(Path.Combine(view.MountPoint, "gocryptfs.diriv"), Path.Combine(copy, "gocryptfs.diriv"));
        foreach (var (viewPath, bytes) in served)
        {
            File.WriteAllBytes(Path.Combine(copy, Path.GetFileName(viewPath)), bytes);
        }
        string decrypted = _dir.Sub("decrypted-" + Path.GetFileName(copy));
        using var mount = new GocryptfsMount(["-ro", "-passfile", _passfile], copy, decrypted);
        return Directory.EnumerateFiles(decrypted).ToDictionary(f => Path.GetFileName(f), f => File.ReadAllBytes(f));
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static List<string> Changed(ReverseFileSystem fs) =>
        fs.ChangedWhileServed.Select(p => Encoding.UTF8.GetString(p)).Order(StringComparer.Ordinal).ToList();

    /// <summary>RELEASE reaches the view after close() returned: waits until <paramref name="expected"/> are listed.</summary>
    private static List<string> ChangedEventually(ReverseFileSystem fs, params string[] expected)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var changed = Changed(fs);
            if (expected.All(changed.Contains) || watch.Elapsed > TimeSpan.FromSeconds(10))
            {
                return changed;
            }
            Thread.Sleep(20);
        }
    }

    [Test]
    public void Append_AfterStat_IsServedAsTheStateAtStatTime_AndDecrypts()
    {
        // 3 files: one grown inside its last block, one across a block edge, one from empty; one left alone.
        var original = new Dictionary<string, byte[]>
        {
            ["in-block"] = Bytes(5000, 1),
            ["across"] = Bytes(8192, 2),
            ["from-empty"] = [],
            ["unchanged"] = Bytes(10000, 3),
        };
        foreach (var (name, bytes) in original)
        {
            File.WriteAllBytes(P(name), bytes);
        }
        var ours = MountOurs();
        var views = ViewPaths(ours, original.Keys);
        var statSizes = views.ToDictionary(v => v.Key, v => new FileInfo(v.Value).Length);

        foreach (var name in new[] { "in-block", "across", "from-empty" })
        {
            using var append = new FileStream(P(name), FileMode.Append);
            append.Write(Bytes(3000, 4));
        }
        var served = new Dictionary<string, byte[]>();
        foreach (var (name, viewPath) in views)
        {
            // Open, then read: the kernel still has the sizes the stat above saw.
            served[viewPath] = File.ReadAllBytes(viewPath);
            Assert.That(served[viewPath].LongLength, Is.EqualTo(statSizes[name]), $"{name}: the size the reader saw at stat");
        }
        var decrypted = DecryptServed(ours, served);
        Assert.Multiple(() =>
        {
            foreach (var (name, bytes) in original)
            {
                Assert.That(decrypted[name], Is.EqualTo(bytes), $"{name}: the authentic state at stat time");
            }
        });
        Assert.That(ChangedEventually(ours.FileSystem, "in-block", "across", "from-empty"),
            Is.EqualTo(new[] { "across", "from-empty", "in-block" }), "the grown files, not the unchanged one");

        // After the attribute timeout the kernel asks again: the grown file is served whole, and is not listed again.
        Thread.Sleep(TimeSpan.FromSeconds(1.5));
        var now = File.ReadAllBytes(views["across"]);
        Assert.That(now.LongLength, Is.EqualTo(Format.Content.ContentLayout.PlainToCipherSize(8192 + 3000)));
        Assert.That(DecryptServed(ours, new() { [views["across"]] = now })["across"], Is.EqualTo(File.ReadAllBytes(P("across"))));
        Assert.That(ours.FileSystem.ChangedWhileServedCount, Is.EqualTo(3));
    }

    [Test]
    public void FstatAfterTheAttributeTimeout_ShowsWhatTheOpenServes_GrownOrShrunk()
    {
        File.WriteAllBytes(P("early"), Bytes(5000, 20));
        File.WriteAllBytes(P("late"), Bytes(5000, 21));
        File.WriteAllBytes(P("shrunk"), Bytes(20000, 22));
        var ours = MountOurs();
        var views = ViewPaths(ours, ["early", "late", "shrunk"]);
        foreach (var viewPath in views.Values)
        {
            _ = new FileInfo(viewPath).Length;
        }

        // Grown right after the stat, opened at once, fstat()ed after the attribute timeout (as rsync does for a file
        // its file list saw long before): the open serves the state the stat saw, and fstat says so.
        File.AppendAllBytes(P("early"), Bytes(3000, 23));
        using var early = new FileStream(views["early"], FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        Thread.Sleep(TimeSpan.FromSeconds(1.6));
        // Grown and shrunk after the attribute timeout, then opened: served as they are at open.
        File.AppendAllBytes(P("late"), Bytes(3000, 24));
        using (var f = new FileStream(P("shrunk"), FileMode.Open))
        {
            f.SetLength(7000);
        }
        using var late = new FileStream(views["late"], FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        using var shrunk = new FileStream(views["shrunk"], FileMode.Open, FileAccess.Read, FileShare.Read, 1);

        var served = new Dictionary<string, byte[]>();
        foreach (var (name, stream) in new[] { ("early", early), ("late", late), ("shrunk", shrunk) })
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            Assert.That(stream.Read(new byte[100]), Is.Zero, $"{name}: fstat's length is all there is");
            served[views[name]] = bytes;
        }
        var decrypted = DecryptServed(ours, served);
        Assert.That(decrypted["early"], Is.EqualTo(Bytes(5000, 20)), "the state at stat time");
        Assert.That(decrypted["late"], Is.EqualTo(File.ReadAllBytes(P("late"))), "the state at open");
        Assert.That(decrypted["shrunk"], Is.EqualTo(File.ReadAllBytes(P("shrunk"))), "the state at open, no error");
    }

    [Test]
    public void Shrink_AtOpen_GivesEioForTheMissingPart_AndTheBlocksBeforeItDecrypt()
    {
        var original = Bytes(40000, 5);
        File.WriteAllBytes(P("shrinks"), original);
        var ours = MountOurs();
        string viewPath = ViewPaths(ours, ["shrinks"])["shrinks"];
        long statSize = new FileInfo(viewPath).Length;
        Assert.That(statSize, Is.EqualTo(Format.Content.ContentLayout.PlainToCipherSize(40000)));

        using (var truncate = new FileStream(P("shrinks"), FileMode.Open))
        {
            truncate.SetLength(5000);
        }

        using (var reader = new FileStream(viewPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            Assert.That(reader.Length, Is.EqualTo(statSize), "fstat of the open file: the pinned size");
            var head = new byte[18 + 4128];
            reader.ReadExactly(head);
            var decrypted = DecryptServed(ours, new() { [viewPath] = head });
            Assert.That(decrypted["shrinks"], Is.EqualTo(original.AsSpan(0, 4096).ToArray()), "block 0 is still there");
            var rest = new byte[4128];
            var e = Assert.Throws<IOException>(() => reader.ReadExactly(rest), "block 1 is only partly there: EIO");
            TestContext.Out.WriteLine("read of the missing part: " + e!.Message);
            reader.Position = 30000;
            Assert.Throws<IOException>(() => reader.ReadExactly(rest), "past the new end: EIO, not zeros and not EOF");
        }
        Assert.That(ChangedEventually(ours.FileSystem, "shrinks"), Does.Contain("shrinks"));
    }

    [Test]
    public void Shrink_UnderAnOpenReader_GivesEioForTheMissingPart_NeverACutBlock()
    {
        var original = Bytes(4 << 20, 6);
        File.WriteAllBytes(P("big"), original);
        File.WriteAllBytes(P("quiet"), Bytes(100000, 7));
        var ours = MountOurs();
        var views = ViewPaths(ours, ["big", "quiet"]);
        File.ReadAllBytes(views["quiet"]);

        using (var reader = new FileStream(views["big"], FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            var head = new byte[18 + 4128 * 2];
            reader.ReadExactly(head);
            using (var truncate = new FileStream(P("big"), FileMode.Open))
            {
                truncate.SetLength(100000);
            }
            reader.Position = 2 << 20;
            Assert.Throws<IOException>(() => reader.ReadExactly(new byte[65536]), "the middle of a file cut to 100,000 bytes");
            var decrypted = DecryptServed(ours, new() { [views["big"]] = head });
            Assert.That(decrypted["big"], Is.EqualTo(original.AsSpan(0, 8192).ToArray()), "what was read before decrypts");
        }
        var changed = ChangedEventually(ours.FileSystem, "big");
        Assert.That(changed, Is.EqualTo(new[] { "big" }), "the shrunk file, not the unchanged one read meanwhile");
    }

    [Test]
    public void RewriteInPlace_WhileOpen_EveryBlockDecrypts_AndTheFileIsListed()
    {
        var before = Bytes(3 * 4096 + 100, 8);
        File.WriteAllBytes(P("rewritten"), before);
        var ours = MountOurs();
        string viewPath = ViewPaths(ours, ["rewritten"])["rewritten"];
        long statSize = new FileInfo(viewPath).Length;

        var after = (byte[])before.Clone();
        Bytes(4096, 9).CopyTo(after, 4096);
        byte[] served;
        using (var reader = new FileStream(viewPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            using (var write = new FileStream(P("rewritten"), FileMode.Open))
            {
                write.Position = 4096;
                write.Write(after, 4096, 4096);
            }
            served = new byte[reader.Length];
            reader.ReadExactly(served);
        }
        Assert.That(served.LongLength, Is.EqualTo(statSize));
        var decrypted = DecryptServed(ours, new() { [viewPath] = served })["rewritten"];
        Assert.That(decrypted, Is.EqualTo(after).Or.EqualTo(before), "a state the file had");
        Assert.That(ChangedEventually(ours.FileSystem, "rewritten"), Is.EqualTo(new[] { "rewritten" }),
            "same size, new mtime and ctime: listed at RELEASE");
    }

    [Test]
    public void Stress_RsyncOfTheViewWhileAWriterAppendsTruncatesAndRewrites_EveryCopyDecrypts()
    {
        const int Appended = 60, Rewritten = 40, Untouched = 20, Passes = 4, RewriteLength = 10000;
        // Appended files are always a prefix of their own byte sequence; rewritten ones always RewriteLength bytes,
        // each write filling the whole file with its generation number.
        var sequences = Enumerable.Range(0, Appended).Select(i => Bytes(96 * 1024, 100 + i)).ToArray();
        var lengths = new int[Appended];
        var rng = new Random(12);
        for (int i = 0; i < Appended; i++)
        {
            lengths[i] = rng.Next(0, 20000);
            File.WriteAllBytes(P($"a{i:D3}"), sequences[i].AsSpan(0, lengths[i]).ToArray());
        }
        for (int i = 0; i < Rewritten; i++)
        {
            File.WriteAllBytes(P($"r{i:D3}"), new byte[RewriteLength]);
        }
        var untouched = new Dictionary<string, byte[]>();
        for (int i = 0; i < Untouched; i++)
        {
            untouched[$"u{i:D3}"] = Bytes(rng.Next(1, 20000), 200 + i);
            File.WriteAllBytes(P($"u{i:D3}"), untouched[$"u{i:D3}"]);
        }
        var ours = MountOurs();
        string copy = _dir.Sub("copy");
        var viewNames = ViewPaths(ours, Directory.EnumerateFiles(_plain).Select(f => Path.GetFileName(f))
            .Where(n => !n.StartsWith('.'))).ToDictionary(v => v.Key, v => Path.GetFileName(v.Value));

        using var stop = new CancellationTokenSource();
        long operations = 0;
        var writer = Task.Run(() =>
        {
            var wr = new Random(13);
            var generation = new byte[Rewritten];
            while (!stop.IsCancellationRequested)
            {
                if (wr.Next(3) < 2)
                {
                    int i = wr.Next(Appended);
                    using var f = new FileStream(P($"a{i:D3}"), FileMode.Open, FileAccess.Write);
                    if (wr.Next(4) == 0 || lengths[i] > 90 * 1024)
                    {
                        lengths[i] = wr.Next(0, lengths[i] + 1);
                        f.SetLength(lengths[i]);
                    }
                    else
                    {
                        int add = wr.Next(1, 6000);
                        f.Position = lengths[i];
                        f.Write(sequences[i], lengths[i], add);
                        lengths[i] += add;
                    }
                }
                else
                {
                    int i = wr.Next(Rewritten);
                    generation[i] = (byte)(generation[i] % 250 + 1);
                    var content = new byte[RewriteLength];
                    Array.Fill(content, generation[i]);
                    using var f = new FileStream(P($"r{i:D3}"), FileMode.Open, FileAccess.Write);
                    f.Write(content);
                }
                Interlocked.Increment(ref operations);
                Thread.Sleep(wr.Next(0, 2));
            }
        });

        try
        {
            for (int pass = 1; pass <= Passes; pass++)
            {
                var rsync = Run.Program("rsync", ["-aHAX", "--modify-window=-1", "--delete", ours.MountPoint + "/", copy + "/"], timeout: TimeSpan.FromMinutes(3));
                TestContext.Out.WriteLine($"pass {pass}: rsync exit {rsync.ExitCode}, writer at {Interlocked.Read(ref operations)} operations");
                // 23: a file shrank under rsync (EIO, reported by name); 24: none here (nothing vanishes).
                Assert.That(rsync.ExitCode, Is.EqualTo(0).Or.EqualTo(23), rsync.ToString());
                if (rsync.ExitCode != 0)
                {
                    TestContext.Out.WriteLine(string.Join('\n', rsync.Stderr.Split('\n').Take(5)));
                }
                // rsync leaves a file it could not read as it was (absent after the first pass).
                var unread = viewNames.Where(v => rsync.Stderr.Contains(v.Value, StringComparison.Ordinal)).Select(v => v.Key).ToHashSet();
                CheckCopy(copy, sequences, Appended, Rewritten, RewriteLength, untouched, pass, unread);
            }
        }
        finally
        {
            stop.Cancel();
            writer.Wait();
        }

        var changed = Changed(ours.FileSystem);
        TestContext.Out.WriteLine($"{changed.Count} files listed as changed while served, {Interlocked.Read(ref operations)} writer operations");
        Assert.That(changed, Is.Not.Empty, "the writer changed files while rsync read them");
        Assert.That(changed.Where(n => n.StartsWith('u')), Is.Empty, "files nobody touched are never listed");
        Assert.That(changed.Where(n => !n.StartsWith('a') && !n.StartsWith('r')), Is.Empty, "only files the writer changed");
    }

    /// <summary>gocryptfs -ro of the copy reads every file without an error; each is a state the writer made.</summary>
    private void CheckCopy(string copy, byte[][] sequences, int appended, int rewritten, int rewriteLength,
        Dictionary<string, byte[]> untouched, int pass, HashSet<string> unread)
    {
        string decrypted = _dir.Sub($"decrypted-{pass}");
        using var mount = new GocryptfsMount(["-ro", "-passfile", _passfile], copy, decrypted);
        Assert.Multiple(() =>
        {
            for (int i = 0; i < appended; i++)
            {
                string name = $"a{i:D3}";
                if (!File.Exists(Path.Combine(decrypted, name)) && unread.Contains(name))
                {
                    continue;
                }
                byte[] content = File.ReadAllBytes(Path.Combine(decrypted, name));
                Assert.That(content.AsSpan().SequenceEqual(sequences[i].AsSpan(0, content.Length)), Is.True,
                    $"pass {pass}: {name} ({content.Length} bytes) is a prefix of its sequence");
            }
            for (int i = 0; i < rewritten; i++)
            {
                string name = $"r{i:D3}";
                if (!File.Exists(Path.Combine(decrypted, name)) && unread.Contains(name))
                {
                    continue;
                }
                byte[] content = File.ReadAllBytes(Path.Combine(decrypted, name));
                Assert.That(content, Has.Length.EqualTo(rewriteLength), $"pass {pass}: {name}");
                // Blocks may come from different generations (read at different moments); one block from at most two
                // consecutive ones (a read racing one write).
                for (int b = 0; b < content.Length; b += 4096)
                {
                    var values = content.AsSpan(b, Math.Min(4096, content.Length - b)).ToArray().Distinct().Order().ToArray();
                    bool consecutive = values.Length == 2 && (values[1] - values[0] == 1 || values[0] == 1 && values[1] == 250);
                    Assert.That(values.Length == 1 || consecutive, Is.True,
                        $"pass {pass}: {name} block {b / 4096}: generations {string.Join(',', values)}");
                }
            }
            foreach (var (name, bytes) in untouched)
            {
                Assert.That(File.ReadAllBytes(Path.Combine(decrypted, name)), Is.EqualTo(bytes), $"pass {pass}: {name}");
            }
        });
    }
}
