using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>The manifest of change-driven runs: a streaming binary file that reads back exactly what was written, in
/// order, and tells a truncated or damaged file instead of reading it as a shorter tree.</summary>
public class ManifestFileTests
{
    private TestDirectory _tmp = null!;

    [SetUp]
    public void SetUp() => _tmp = new TestDirectory();

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    private static ScanEntry Entry(byte[] path, ulong ino) =>
        new(path, new ScanMeta(0x81A4, ino * 7, 1_700_000_000 + (long)ino, (uint)(ino % 1_000_000_000), 1_700_000_001, 5, ino, 2049, 1000, 1000, 0, 1));

    private static IEnumerable<ScanEntry> Sorted(IEnumerable<ScanEntry> entries)
    {
        var list = entries.ToList();
        list.Sort(ChangeScan.EntryOrder);
        return list;
    }

    [Test]
    public void RoundTrip_KeepsEveryByteAndField_InOrder()
    {
        var entries = Sorted([
            Entry([], 1), Entry("a"u8.ToArray(), 2), Entry("a/b"u8.ToArray(), 3), Entry("a-b"u8.ToArray(), 4),
            Entry([0xFF, 0x01, (byte)'\n'], 5), Entry([.. Enumerable.Repeat((byte)'L', 255)], 6), Entry("a/b/c"u8.ToArray(), 7),
        ]).ToList();
        var path = Path.Combine(_tmp.Path, "m");
        ManifestFile.Write(path, new ManifestHeader("id", "2026-01-01T000000Z", 3, entries.Count), entries);
        using var reader = new ManifestFile.Reader(path);
        Assert.That(reader.Header, Is.EqualTo(new ManifestHeader("id", "2026-01-01T000000Z", 3, entries.Count)));
        var read = new List<ScanEntry>();
        while (reader.TryRead(out var e)) read.Add(e);
        Assert.That(read.Select(e => Convert.ToHexString(e.Path)), Is.EqualTo(entries.Select(e => Convert.ToHexString(e.Path))));
        Assert.That(read.Select(e => e.Meta), Is.EqualTo(entries.Select(e => e.Meta)));
        Assert.That(new FileInfo(path).UnixFileMode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public void TruncatedOrDamaged_IsReported_NotReadAsAShorterTree()
    {
        var entries = Sorted(Enumerable.Range(0, 1000).Select(i => Entry(System.Text.Encoding.ASCII.GetBytes($"d{i % 10}/f{i}"), (ulong)i))).ToList();
        var path = Path.Combine(_tmp.Path, "m");
        ManifestFile.Write(path, new ManifestHeader("id", "", 0, entries.Count), entries);
        var bytes = File.ReadAllBytes(path);
        foreach (var cut in new[] { bytes.Length - 1, bytes.Length - 16, bytes.Length / 2, 20 })
        {
            File.WriteAllBytes(path, bytes[..cut]);
            Assert.That(() =>
            {
                using var reader = new ManifestFile.Reader(path);
                while (reader.TryRead(out _))
                {
                }
            }, Throws.InstanceOf<InvalidDataException>(), $"cut at {cut}");
        }
    }

    [Test]
    public void AMillionEntries_AreWrittenAndReadAsAStream()
    {
        const int Count = 1_000_000;
        var path = Path.Combine(_tmp.Path, "m");
        // Generated in order (names of fixed width sort like their numbers), never held in memory at once.
        IEnumerable<ScanEntry> Generate()
        {
            for (var i = 0; i < Count; i++) yield return Entry(System.Text.Encoding.ASCII.GetBytes($"d{i / 1000:D4}/file-{i % 1000:D4}"), (ulong)i);
        }
        var before = GC.GetTotalMemory(forceFullCollection: true);
        ManifestFile.Write(path, new ManifestHeader("id", "", 0, Count), Generate());
        long read = 0;
        using (var reader = new ManifestFile.Reader(path))
        {
            while (reader.TryRead(out _)) read++;
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.That(read, Is.EqualTo(Count));
        Assert.That(new FileInfo(path).Length, Is.LessThan(64L << 20), "a compact file");
        Assert.That(after - before, Is.LessThan(16L << 20), "no growth with the entry count");
    }
}
