using ReverseCrypt.Operations.Paths;

namespace ReverseCrypt.Operations.Tests;

/// <summary>
/// Device nodes, FIFOs and setuid files in a copy (issue 12, point 5). The copy is made by `gocryptfs -reverse` and
/// rsync from a real plaintext tree; the hostile copy has a block device planted in place of a file's ciphertext
/// (its encrypted name kept). Restore creates devices and FIFOs only with <see cref="RestoreOptions.Devices"/>, and
/// both restore and fsck list every setuid/setgid file, device node and FIFO.
/// </summary>
[Category("Mount")]
public sealed class RestoreDevicesTests
{
    private static readonly byte[] NonUtf8Sgid = [0xFF, (byte)'-', (byte)'s', (byte)'g', (byte)'i', (byte)'d'];

    private TestDirectory _dir = null!;
    private string _copy = null!;
    private CryptoCore _core = null!;

    [OneTimeSetUp]
    public void MakeCopy()
    {
        Require.Root();
        Require.Tool("gocryptfs");
        _dir = new TestDirectory();
        var plain = _dir.Sub("plain");
        new PlainTree(plain)
            .File("a.txt", "plain data\n")
            .File("victim.txt", "a file whose ciphertext is replaced by a device node\n")
            .Fifo("fifo")
            .CharDevice("null", 1, 3)
            .BlockDevice("loop200", 7, 200)
            .Socket("sock")
            .File("suid", "#!/bin/sh\n", 0x9ED) // 04755
            .HardLink("suid", "suid-link")
            .File(NonUtf8Sgid, PlainTree.B("#!/bin/sh\n"), 0x5E8); // 02750
        _copy = _dir.Child("copy");
        Gocryptfs.BackupWithRsync(plain, _copy, _dir.Child("view"));
        _core = Gocryptfs.OpenCore(Path.Combine(_copy, "gocryptfs.conf"));
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _core?.Dispose();
        _dir?.Dispose();
    }

    private RestoreResult Restore(string copy, string target, bool devices, bool dryRun = false) =>
        Restorer.Run(new RestoreOptions { CipherDir = copy, Target = target, Devices = devices, DryRun = dryRun }, _core);

    private static string[] Paths(IEnumerable<SensitiveEntry> entries) => [.. entries.Select(e => BytePath.Display(e.PlainPath))];

    private static string[] Lines(IEnumerable<object> items) => [.. items.Select(i => i.ToString()!)];

    /// <summary>File type letter and major:minor of a target entry, or null when there is none.</summary>
    private static string? Node(string path)
    {
        var r = Run.Shell($"stat -c '%F %t:%T %a' {Run.Quote(path)}");
        return r.ExitCode == 0 ? r.Stdout.Trim() : null;
    }

    [Test]
    public void WithoutDevices_EachDeviceAndFifoIsReportedAndSkipped_TheRestIsRestored()
    {
        var target = _dir.Child("no-devices");

        var result = Restore(_copy, target, devices: false);

        Assert.That(result.IsClean, Is.False, "skipped nodes make the restore incomplete (exit 30)");
        Assert.That(result.Damage, Is.Empty);
        Assert.That(result.Failures.Where(f => f.Kind != RestoreFailureKind.DeviceSkipped), Is.Empty, string.Join("\n", result.Failures));
        var skipped = result.Skipped.ToDictionary(f => BytePath.Display(f.PlainPath!), f => f.Reason);
        Assert.That(skipped.Keys, Is.EquivalentTo(new[] { "fifo", "null", "loop200" }));
        Assert.That(skipped["fifo"], Does.StartWith("FIFO, mode 0644"));
        Assert.That(skipped["null"], Does.StartWith("character device 1:3, mode 0660"));
        Assert.That(skipped["loop200"], Does.StartWith("block device 7:200, mode 0660"));
        foreach (var name in skipped.Keys)
        {
            Assert.That(Node(Path.Combine(target, name)), Is.Null, $"{name} was not created");
        }
        Assert.That(Node(Path.Combine(target, "sock")), Does.StartWith("socket"), "sockets are created as before");
        Assert.That(File.ReadAllText(Path.Combine(target, "victim.txt")), Does.StartWith("a file whose"));
        Assert.That(Node(Path.Combine(target, "suid")), Does.EndWith("4755"));
        Assert.That(Paths(result.Sensitive), Is.EqualTo(new[] { "suid", "suid-link", "\\xff-sgid" }), string.Join("\n", Lines(result.Sensitive)));
        Assert.That(result.Sensitive[0].ToString(), Is.EqualTo("suid: setuid file, mode 4755, owner 0:0"));
        Assert.That(result.Sensitive[2].ToString(), Is.EqualTo("\\xff-sgid: setgid file, mode 2750, owner 0:0"));
    }

    [Test]
    public void WithoutDevices_DryRun_ReportsTheSameAndWritesNothing()
    {
        var target = _dir.Child("dry");

        var result = Restore(_copy, target, devices: false, dryRun: true);

        Assert.That(result.Skipped.Select(f => BytePath.Display(f.PlainPath!)), Is.EquivalentTo(new[] { "fifo", "null", "loop200" }));
        Assert.That(Paths(result.Sensitive), Is.EqualTo(new[] { "suid", "suid-link", "\\xff-sgid" }), "the files it would create");
        Assert.That(Directory.Exists(target), Is.False);
    }

    [Test]
    public void WithDevices_CreatesThemAndListsEveryOne()
    {
        var target = _dir.Child("devices");

        var result = Restore(_copy, target, devices: true);

        Assert.That(result.IsClean, Is.True, string.Join("\n", Lines(result.Failures)));
        Assert.That(Node(Path.Combine(target, "fifo")), Is.EqualTo("fifo 0:0 644"));
        Assert.That(Node(Path.Combine(target, "null")), Is.EqualTo("character special file 1:3 660"));
        Assert.That(Node(Path.Combine(target, "loop200")), Is.EqualTo("block special file 7:c8 660"));
        Assert.That(Lines(result.Sensitive), Is.EqualTo(new[]
        {
            "fifo: FIFO, mode 0644, owner 0:0",
            "loop200: block device 7:200, mode 0660, owner 0:0",
            "null: character device 1:3, mode 0660, owner 0:0",
            "suid: setuid file, mode 4755, owner 0:0",
            "suid-link: setuid file, mode 4755, owner 0:0",
            "\\xff-sgid: setgid file, mode 2750, owner 0:0",
        }));

        var again = Restore(_copy, target, devices: true);

        Assert.That(again.IsClean, Is.True, string.Join("\n", Lines(again.Failures)));
        Assert.That(again.Sensitive, Has.Count.EqualTo(6), "a re-run lists what it found complete too");
    }

    [Test]
    public void PlantedBlockDevice_InPlaceOfAFilesCiphertext_IsSkippedWithoutDevices_AndListedByFsck()
    {
        var hostile = _dir.Child("hostile-" + Guid.NewGuid().ToString("N"));
        Run.Ok($"mkdir -p {Run.Quote(hostile)} && cp -a {Run.Quote(_copy + "/.")} {Run.Quote(hostile + "/")}");
        var mapping = PathMapper.Encrypt(hostile, _core, "victim.txt"u8);
        Assert.That(mapping.Exists, Is.True, mapping.Problem?.ToString());
        var cipherFile = Path.Combine(hostile, mapping.Text!);
        File.Delete(cipherFile);
        Run.Ok($"mknod -m 0666 {Run.Quote(cipherFile)} b 254 0");

        var fsck = Fsck.Run(new FsckOptions { CipherDir = hostile }, _core);

        Assert.That(fsck.IsClean, Is.True, "a device node is legitimate in the format: " + string.Join("\n", fsck.Problems));
        Assert.That(Lines(fsck.Sensitive), Does.Contain("victim.txt: block device 254:0, mode 0666, owner 0:0"));
        Assert.That(Paths(fsck.Sensitive), Is.EqualTo(new[] { "fifo", "loop200", "null", "suid", "suid-link", "victim.txt", "\\xff-sgid" }));

        var target = _dir.Child("hostile-restored");
        var result = Restore(hostile, target, devices: false);

        Assert.That(result.IsClean, Is.False);
        var planted = result.Skipped.Single(f => BytePath.Display(f.PlainPath!) == "victim.txt");
        Assert.That(planted.Reason, Does.StartWith("block device 254:0, mode 0666, owner 0:0: not created"));
        Assert.That(planted.CipherPath, Is.EqualTo(Encoding.ASCII.GetBytes(mapping.Text!)));
        Assert.That(Node(Path.Combine(target, "victim.txt")), Is.Null, "the planted device was not created");
        Assert.That(Paths(result.Sensitive), Does.Not.Contain("victim.txt"));

        var withDevices = Restore(hostile, _dir.Child("hostile-devices"), devices: true);

        Assert.That(withDevices.IsClean, Is.True, string.Join("\n", Lines(withDevices.Failures)));
        Assert.That(Lines(withDevices.Sensitive), Does.Contain("victim.txt: block device 254:0, mode 0666, owner 0:0"),
            "asked for with --devices: created, and listed");
    }
}
