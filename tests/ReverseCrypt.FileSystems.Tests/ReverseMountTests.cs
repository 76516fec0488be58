using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// The view mounted through the real kernel, compared with real gocryptfs 2.3 and copied with real rsync: byte
/// identity with <c>gocryptfs -reverse</c>, the rsync round trip back through <c>gocryptfs -ro</c>, rsync deltas,
/// live changes and an unreadable file. Every test unmounts in teardown, also when it fails.
/// </summary>
[Category("Mount")]
[NonParallelizable]
public partial class ReverseMountTests
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
        Require.Tool("setfattr");
        Require.Tool("setfacl");
        _dir = new TestDirectory();
        _plain = _dir.Sub("plain");
        _passfile = Gocryptfs.PassFile(_plain);
    }

    [TearDown]
    public void TearDown()
    {
        // Newest first: mounts of copies before the view they were copied from.
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

    /// <summary>gocryptfs -init -reverse (scrypt N = 2^10) in the plaintext, then our view with that config.</summary>
    private MountedReverse MountOurs(ReverseOptions? options = null, string mountName = "ours", ILogger? requestLog = null)
    {
        if (!File.Exists(Path.Combine(_plain, ".gocryptfs.reverse.conf")))
        {
            Gocryptfs.InitReverse(_plain);
        }
        var core = Keep(Gocryptfs.OpenCore(Path.Combine(_plain, ".gocryptfs.reverse.conf")));
        return Keep(new MountedReverse(options ?? new ReverseOptions(_plain), core, _dir.Sub(mountName), requestLog));
    }

    [Test]
    public void ByteIdentity_WithGocryptfsReverse_OnTheHardCases()
    {
        ServerBackupTree.Create(_plain);
        var ours = MountOurs();
        string theirsPoint = _dir.Sub("theirs");
        Keep(new GocryptfsMount(["-reverse", "-passfile", _passfile], _plain, theirsPoint));

        var mine = OracleTree.Walk(ours.MountPoint);
        var theirs = OracleTree.Walk(theirsPoint);
        var plain = OracleTree.Walk(_plain, content: false);

        Assert.That(mine.Keys.Order(StringComparer.Ordinal), Is.EqualTo(theirs.Keys.Order(StringComparer.Ordinal)), "the same names");
        Assert.That(mine.Count, Is.GreaterThan(ServerBackupTree.ManyEntries + ServerBackupTree.Depth));
        var hardLinked = plain.Values.Where(o => o.IsRegular && o.Nlink > 1).Select(o => o.Ino).ToHashSet();
        Assert.That(mine.Keys, Does.Contain("gocryptfs.conf"));
        Assert.That(mine.Keys.Count(k => k.EndsWith(".name", StringComparison.Ordinal)), Is.EqualTo(4), "long names: 176 b, 255 c, the 200-byte directory and the 180-byte file in it");
        int contentCompared = 0;
        Assert.Multiple(() =>
        {
            foreach (var (path, t) in theirs)
            {
                var m = mine[path];
                string leaf = path[(path.LastIndexOf('/') + 1)..];
                bool isVirtual = leaf == "gocryptfs.diriv" || leaf.EndsWith(".name", StringComparison.Ordinal);
                Assert.That(m.FileType, Is.EqualTo(t.FileType), $"type of {path}");
                Assert.That(m.Mode, Is.EqualTo(t.Mode), $"mode of {path}");
                Assert.That(m.Uid, Is.EqualTo(t.Uid), $"uid of {path}");
                Assert.That(m.Gid, Is.EqualTo(t.Gid), $"gid of {path}");
                Assert.That(m.LinkTarget, Is.EqualTo(t.LinkTarget), $"symlink target of {path}");
                Assert.That((m.RdevMajor, m.RdevMinor), Is.EqualTo((t.RdevMajor, t.RdevMinor)), $"rdev of {path}");
                if (!m.IsDirectory)
                {
                    Assert.That(m.Size, Is.EqualTo(t.Size), $"size of {path}");
                }
                if (!isVirtual && path.Length > 0)
                {
                    // FORMAT 18: virtual files are 10 s newer than their source in ReverseCrypt (as gocryptfs >= 2.5).
                    Assert.That((m.MtimeSec, m.MtimeNsec), Is.EqualTo((t.MtimeSec, t.MtimeNsec)), $"mtime of {path}");
                    Assert.That(m.Nlink, Is.EqualTo(t.Nlink), $"nlink of {path}");
                }
                // FORMAT 18: gocryptfs encrypts hard links with the IVs of whichever link it opened first.
                bool isHardLink = m.IsRegular && m.Nlink > 1 && hardLinked.Contains(m.Ino);
                if (m.IsRegular && !isHardLink)
                {
                    Assert.That(m.Sha256, Is.EqualTo(t.Sha256), $"content of {path}");
                    contentCompared++;
                }
            }
        });
        TestContext.Out.WriteLine($"{theirs.Count} entries compared, {contentCompared} contents");
        Assert.That(contentCompared, Is.GreaterThan(ServerBackupTree.ManyEntries));
    }

    [Test]
    public void RoundTrip_ThroughRsyncAndGocryptfsForward_GivesThePlaintextBack()
    {
        ServerBackupTree.Create(_plain);
        var ours = MountOurs();
        string copy = _dir.Sub("copy");
        var rsync = Run.Program("rsync", ["-aHAX", "--modify-window=-1", "--numeric-ids", ours.MountPoint + "/", copy + "/"], timeout: TimeSpan.FromMinutes(5));
        Assert.That(rsync.ExitCode, Is.Zero, rsync.ToString());

        string decrypted = _dir.Sub("decrypted");
        Keep(new GocryptfsMount(["-ro", "-acl", "-passfile", _passfile], copy, decrypted));

        var expected = OracleTree.Walk(_plain, content: true, xattrs: true);
        expected.Remove(".gocryptfs.reverse.conf");
        // Encrypted attributes are user.* attributes, which Linux allows only on files and directories: the
        // symlink's trusted.onlink is left out of the view (with a warning).
        Assert.That(expected["rel"].Xattrs!.Keys, Is.EqualTo(new[] { "trusted.onlink" }));
        expected["rel"] = expected["rel"] with { Xattrs = [] };
        var actual = OracleTree.Walk(decrypted, content: true, xattrs: true);

        Assert.That(actual.Keys.Order(StringComparer.Ordinal), Is.EqualTo(expected.Keys.Order(StringComparer.Ordinal)));
        Assert.Multiple(() =>
        {
            foreach (var (path, e) in expected)
            {
                var a = actual[path];
                Assert.That(a.FileType, Is.EqualTo(e.FileType), $"type of {path}");
                Assert.That(a.Mode, Is.EqualTo(e.Mode), $"mode of {path}");
                Assert.That((a.Uid, a.Gid), Is.EqualTo((e.Uid, e.Gid)), $"owner of {path}");
                Assert.That(a.Sha256, Is.EqualTo(e.Sha256), $"content of {path}");
                Assert.That(a.LinkTarget, Is.EqualTo(e.LinkTarget), $"symlink target of {path}");
                Assert.That((a.RdevMajor, a.RdevMinor), Is.EqualTo((e.RdevMajor, e.RdevMinor)), $"rdev of {path}");
                Assert.That(a.Xattrs, Is.EqualTo(e.Xattrs), $"xattrs and ACLs of {path}");
                if (!e.IsDirectory)
                {
                    Assert.That(a.Size, Is.EqualTo(e.Size), $"size of {path}");
                }
                if (path.Length > 0)
                {
                    Assert.That((a.MtimeSec, a.MtimeNsec), Is.EqualTo((e.MtimeSec, e.MtimeNsec)), $"mtime of {path}");
                }
            }
        });
        Assert.That(HardLinkGroups(actual), Is.EqualTo(HardLinkGroups(expected)), "hard links");
        Assert.That(expected["size1"].Xattrs!.Keys, Does.Contain("trusted.secret"));
        Assert.That(expected["size4096"].Xattrs!.Keys, Does.Contain("system.posix_acl_access").And.Contain("security.label"));
    }

    private static List<string> HardLinkGroups(Dictionary<string, TreeObject> tree) =>
        tree.Values.Where(o => !o.IsDirectory && o.Nlink > 1).GroupBy(o => o.Ino)
            .Select(g => string.Join('|', g.Select(o => o.Path).Order(StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal).ToList();

    [Test]
    public void Delta_OneChangedBlockOf64MiB_SendsLessThan64KiB()
    {
        // An old mtime, so that rsync's quick check (size + mtime in whole seconds) sees the change below.
        Run.Ok($"head -c {64 << 20} /dev/urandom > {Run.Quote(Path.Combine(_plain, "big"))} && echo small > {Run.Quote(Path.Combine(_plain, "small"))}"
            + $" && touch -d '2020-01-01' {Run.Quote(Path.Combine(_plain, "big"))}");
        var ours = MountOurs();
        string copy = _dir.Sub("copy");
        string[] rsyncArgs = ["-aHAX", "--numeric-ids", "--no-whole-file", "--stats", ours.MountPoint + "/", copy + "/"];

        var first = Run.Program("rsync", rsyncArgs, timeout: TimeSpan.FromMinutes(5));
        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        Assert.That(LiteralData(first), Is.GreaterThan(64L << 20), "the first run sends everything");

        var unchanged = Run.Program("rsync", rsyncArgs, timeout: TimeSpan.FromMinutes(5));
        Assert.That(unchanged.ExitCode, Is.Zero, unchanged.ToString());
        Assert.That(LiteralData(unchanged), Is.Zero, "an unchanged tree sends no file data");

        // Change one 4 KiB block in the middle, then wait for the attribute timeout.
        Run.Ok($"head -c 4096 /dev/urandom | dd of={Run.Quote(Path.Combine(_plain, "big"))} bs=4096 seek=5000 conv=notrunc status=none");
        Thread.Sleep(TimeSpan.FromSeconds(1.5));
        var delta = Run.Program("rsync", rsyncArgs, timeout: TimeSpan.FromMinutes(5));
        Assert.That(delta.ExitCode, Is.Zero, delta.ToString());
        long sent = LiteralData(delta);
        TestContext.Out.WriteLine($"delta after one changed 4 KiB block: literal data {sent} bytes");
        Assert.That(sent, Is.GreaterThan(0).And.LessThan(64 * 1024));
        Assert.That(Run.Program("cmp", [Path.Combine(ours.MountPoint, Only(ours, "big")), Path.Combine(copy, Only(ours, "big"))]).ExitCode,
            Is.Zero, "the copy has the changed file");
    }

    /// <summary>The view's name of a root entry, found by its (passed-through) inode number.</summary>
    private static string Only(MountedReverse view, string plainName)
    {
        ulong ino = ReverseViewVectorTests.Stat(Path.Combine(view.FileSystem.Tree.RootPath, plainName)).Ino;
        foreach (var entry in Directory.EnumerateFileSystemEntries(view.MountPoint))
        {
            if (ReverseViewVectorTests.Stat(entry).Ino == ino)
            {
                return Path.GetFileName(entry);
            }
        }
        throw new AssertionException($"{plainName} not found in the view");
    }

    private static long LiteralData(ProcessResult rsync)
    {
        var m = LiteralDataRegex().Match(rsync.Stdout);
        Assert.That(m.Success, Is.True, rsync.ToString());
        return long.Parse(m.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Literal data: ([0-9,]+) bytes")]
    private static partial Regex LiteralDataRegex();

    [Test]
    public void LiveTree_ChangedFile_IsReadFreshAfterTheAttributeTimeout_NeverFromAStaleCache()
    {
        string file = Path.Combine(_plain, "live");
        File.WriteAllText(file, "first version");
        var ours = MountOurs();
        string viewFile = Path.Combine(ours.MountPoint, Only(ours, "live"));
        var first = File.ReadAllBytes(viewFile);
        Assert.That(File.ReadAllBytes(viewFile), Is.EqualTo(first), "cached re-read");

        File.WriteAllText(file, "other version");      // same size
        Thread.Sleep(TimeSpan.FromSeconds(1.5));
        var second = File.ReadAllBytes(viewFile);
        Assert.That(second, Is.Not.EqualTo(first), "new content at the next open");
        Assert.That(second.Length, Is.EqualTo(first.Length));

        File.WriteAllText(file, "a longer third version of the file");
        Thread.Sleep(TimeSpan.FromSeconds(1.5));
        Assert.That(new FileInfo(viewFile).Length, Is.EqualTo(18 + 34 + 32));
        var third = File.ReadAllBytes(viewFile);
        Assert.That(third.Length, Is.EqualTo(18 + 34 + 32));

        // Decrypting what the view served gives the new plaintext: a forward mount of a copy.
        string copy = _dir.Sub("copy");
        Run.Ok($"cp -a {Run.Quote(ours.MountPoint)}/. {Run.Quote(copy)}/");
        string decrypted = _dir.Sub("decrypted");
        Keep(new GocryptfsMount(["-ro", "-passfile", _passfile], copy, decrypted));
        Assert.That(File.ReadAllText(Path.Combine(decrypted, "live")), Is.EqualTo("a longer third version of the file"));
    }

    [Test]
    public void UnreadableFile_GivesPermissionDenied_OneLogLine_AndTheRestIsServed()
    {
        File.WriteAllText(Path.Combine(_plain, "secret"), "nobody may read this");
        File.WriteAllText(Path.Combine(_plain, "public"), "everybody may read this");
        Run.Ok($"chmod 000 {Run.Quote(Path.Combine(_plain, "secret"))}");
        Gocryptfs.InitReverse(_plain);
        var logger = new CapturingLogger();

        MountedReverse ours;
        // The FUSE reader threads are created by the mounting thread and inherit its capabilities: without
        // CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH the daemon meets a mode-000 file like an unprivileged user would.
        using (new DacCapabilitiesDropped())
        {
            ours = MountOurs(new ReverseOptions(_plain) { Logger = logger });
        }
        string secret = Path.Combine(ours.MountPoint, Only(ours, "secret"));
        string pub = Path.Combine(ours.MountPoint, Only(ours, "public"));
        var ex = Assert.Throws<UnauthorizedAccessException>(() => File.ReadAllBytes(secret));
        Assert.That(ex!.Message, Does.Contain(Path.GetFileName(secret)));
        Assert.Throws<UnauthorizedAccessException>(() => File.ReadAllBytes(secret));
        Assert.That(File.ReadAllBytes(pub).Length, Is.EqualTo(18 + 23 + 32));
        var rsync = Run.Program("rsync", ["-a", ours.MountPoint + "/", _dir.Sub("copy") + "/"]);
        Assert.That(rsync.ExitCode, Is.EqualTo(23), "rsync reports a partial transfer and copies the rest");
        Assert.That(rsync.Stderr, Does.Contain("Permission denied"));

        var warnings = logger.AtLeast(LogLevel.Warning);
        Assert.That(warnings, Has.Count.EqualTo(1), string.Join('\n', warnings));
        Assert.That(warnings[0].Message, Does.Contain(Path.Combine(_plain, "secret")));
    }

    [Test]
    public void ListingOfManyEntries_WithAttributes_IsServedFromOneReaddirplusPass()
    {
        Run.Ok($"mkdir {Run.Quote(Path.Combine(_plain, "many"))} && cd {Run.Quote(Path.Combine(_plain, "many"))} && for i in $(seq 1 5000); do : > f$i; done");
        var requests = new CapturingLogger();
        // Entries and attributes cached for 10 minutes: with the default second, a loaded machine's ls outlives the
        // entries READDIRPLUS gave the kernel and LOOKUPs them again (1153 of 5000 in one run under load 40).
        var ours = MountOurs(new ReverseOptions(_plain) { AttrTimeout = TimeSpan.FromMinutes(10) }, requestLog: requests);
        string many = Path.Combine(ours.MountPoint, Only(ours, "many"));
        requests.Entries.Clear();

        var sw = System.Diagnostics.Stopwatch.StartNew();
        var ls = Run.Program("ls", ["-la", many]);
        TestContext.Out.WriteLine($"ls -la of 5000 entries: {sw.ElapsedMilliseconds} ms");
        Assert.That(ls.ExitCode, Is.Zero, ls.ToString());
        Assert.That(ls.Stdout.Split('\n').Count(l => l.StartsWith('-')), Is.EqualTo(5001), "5000 files and gocryptfs.diriv");

        // Counted on the real mount path: the kernel's requests as the session received them. ls -la stats every
        // entry; READDIRPLUS already gave the kernel each entry's attributes, so none needs a LOOKUP or GETATTR.
        var counts = RequestCounts(requests);
        TestContext.Out.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
        Assert.That(counts.GetValueOrDefault("READDIRPLUS"), Is.GreaterThan(0), "listed with READDIRPLUS");
        Assert.That(counts.GetValueOrDefault("READDIR"), Is.Zero, "never with plain READDIR");
        Assert.That(counts.GetValueOrDefault("LOOKUP"), Is.LessThan(10), "no LOOKUP per entry");
        Assert.That(counts.GetValueOrDefault("GETATTR"), Is.LessThan(10), "no GETATTR per entry");
        Assert.That(counts.GetValueOrDefault("OPENDIR"), Is.EqualTo(1), "one pass: the directory was opened once");
    }

    /// <summary>Requests per opcode as the session received them (its debug lines "FUSE request N OPCODE ...").</summary>
    private static Dictionary<string, int> RequestCounts(CapturingLogger requests) =>
        requests.Entries.Select(e => Regex.Match(e.Message, @"^FUSE request \d+ (\w+) "))
            .Where(m => m.Success).Select(m => m.Groups[1].Value.ToUpperInvariant())
            .GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());

    [Test]
    public void CopyingFiles_FlushIsAnsweredOnce_ThenNeverSent()
    {
        string plainFiles = Path.Combine(_plain, "files");
        Directory.CreateDirectory(plainFiles);
        for (int i = 0; i < 20; i++)
        {
            File.WriteAllBytes(Path.Combine(plainFiles, $"f{i}"), new byte[100 * i]);
        }
        var requests = new CapturingLogger();
        var ours = MountOurs(requestLog: requests);
        string files = Path.Combine(ours.MountPoint, Only(ours, "files"));
        requests.Entries.Clear();

        int read = 0;
        foreach (string file in Directory.GetFiles(files))
        {
            File.ReadAllBytes(file);
            read++;
        }

        // Every close(2) waits for FLUSH unless the filesystem answered ENOSYS once: the view has nothing to do at
        // close, so only the first close asks. The reads are unchanged (one OPEN per file).
        var counts = RequestCounts(requests);
        TestContext.Out.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
        Assert.That(read, Is.EqualTo(21), "20 files and gocryptfs.diriv");
        Assert.That(counts.GetValueOrDefault("OPEN"), Is.EqualTo(read));
        Assert.That(counts.GetValueOrDefault("FLUSH"), Is.EqualTo(1));
    }
}
