using ReverseCrypt.Crypto;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Operations.Tests;

/// <summary>
/// The config of a copy fetched back from the remote is untrusted like the rest of the tree: in place of
/// gocryptfs.conf a FIFO must not block, a device must not be opened, and a huge file must not be read whole.
/// </summary>
public sealed class ConfigReaderTests
{
    private TestDirectory _dir = null!;
    private byte[] _config = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TestDirectory();
        using var key = MasterKey.Generate();
        _config = ConfFile.Create(key, "pw"u8, new ConfCreateOptions(Reverse: true, ScryptLogN: 10, Creator: "test")).Serialize();
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string Write(string name, byte[] content)
    {
        var path = _dir.Child(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Loads on another thread, so that a load that blocks fails the test instead of hanging it.</summary>
    private static ConfigException Refusal(string path)
    {
        var load = Task.Run(() => ConfigReader.Load(path));
        Assert.That(Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))).Result, Is.SameAs(load), $"loading {path} blocked");
        Assert.That(load.Exception?.InnerException, Is.InstanceOf<ConfigException>(), "expected a ConfigException");
        var e = (ConfigException)load.Exception!.InnerException!;
        Assert.That(e.Message, Does.StartWith($"config {path}: ").And.Not.Contain('\n'));
        return e;
    }

    [Test]
    public void A_regular_config_loads_also_through_a_symlink()
    {
        var path = Write("gocryptfs.conf", _config);
        Assert.That(ConfigReader.Load(path).Creator, Is.EqualTo("test"));
        var link = _dir.Child("link.conf");
        File.CreateSymbolicLink(link, path);
        Assert.That(ConfigReader.Load(link).Creator, Is.EqualTo("test"));
    }

    [Test]
    public void A_config_padded_to_the_cap_loads_and_one_byte_more_is_refused()
    {
        var padded = new byte[ConfFile.MaxFileSize + 1];
        padded.AsSpan().Fill((byte)' ');
        _config.CopyTo(padded, 0);
        Assert.That(ConfigReader.Load(Write("at-cap.conf", padded[..^1])).Creator, Is.EqualTo("test"));
        var over = Write("over-cap.conf", padded);
        var e = Refusal(over);
        Assert.That(e.Kind, Is.EqualTo(ConfigErrorKind.TooLarge));
        Assert.That(e.Message, Is.EqualTo($"config {over}: file is larger than 65536 bytes (a gocryptfs config is under 1 KiB)"));
    }

    [Test]
    public void A_huge_sparse_config_is_refused_without_reading_it()
    {
        var path = Write("sparse.conf", _config);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(1L << 30);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ConfigException>(() => ConfigReader.Load(path))!;
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20), "the file was read past the cap");
        Assert.That(e.Kind, Is.EqualTo(ConfigErrorKind.TooLarge));
    }

    [Test]
    public void A_fifo_without_a_writer_is_refused_at_once()
    {
        var fifo = _dir.Child("gocryptfs.conf");
        Run.Ok($"mkfifo {Run.Quote(fifo)}");
        try
        {
            using var watch = new OpenWatch(_dir.Path, fifo);
            var e = Refusal(fifo);
            Assert.That(watch.Opened(), Is.Empty, "the FIFO was opened (IN_OPEN), even if it did not block");
            Assert.That(e.Kind, Is.EqualTo(ConfigErrorKind.Unreadable));
            Assert.That(e.Message, Is.EqualTo($"config {fifo}: not a regular file"));
        }
        finally
        {
            // Releases a reader that blocked in open (a failed test), so that the test run goes on.
            Run.Shell($"timeout 5 sh -c ': > {Run.Quote(fifo)}'");
        }
    }

    [TestCase("zero", "1 5")]
    [TestCase("null", "1 3")]
    public void A_symlink_to_a_device_is_refused_without_opening_it(string name, string numbers)
    {
        // A private node of the device (not /dev/zero itself, which other processes open all the time), watched for
        // IN_OPEN: the reader must not open it at all, not even with O_NONBLOCK or O_PATH-less probing.
        Require.Root();
        var device = _dir.Child(name);
        Run.Ok($"mknod {Run.Quote(device)} c {numbers}");
        var link = _dir.Child("gocryptfs.conf");
        File.CreateSymbolicLink(link, device);
        using var watch = new OpenWatch(_dir.Path, device);
        var e = Refusal(link);
        Assert.That(watch.Opened(), Is.Empty, "the device was opened");
        Assert.That(e.Kind, Is.EqualTo(ConfigErrorKind.Unreadable));
        Assert.That(e.Message, Is.EqualTo($"config {link}: not a regular file"));
    }

    [Test]
    public void A_directory_is_refused_and_a_missing_file_is_reported_missing()
    {
        var dir = _dir.Sub("gocryptfs.conf");
        Assert.That(Refusal(dir).Message, Is.EqualTo($"config {dir}: not a regular file"));
        var missing = _dir.Child("missing.conf");
        var e = Refusal(missing);
        Assert.That(e.Kind, Is.EqualTo(ConfigErrorKind.Missing));
        Assert.That(e.Message, Is.EqualTo($"config {missing}: file not found"));
        var file = Write("file", Encoding.UTF8.GetBytes("{}"));
        Assert.That(Refusal(file + "/gocryptfs.conf").Kind, Is.EqualTo(ConfigErrorKind.Missing), "ENOTDIR: missing too");
    }
}
