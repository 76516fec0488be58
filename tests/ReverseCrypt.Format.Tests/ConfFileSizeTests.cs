using System.Diagnostics;
using System.Text;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Format.Tests;

/// <summary>
/// The size cap of config files (a config in a restored copy is untrusted): a valid config up to
/// <see cref="ConfFile.MaxFileSize"/> bytes loads, anything larger is refused with a one-line message, and nothing past
/// the cap is read, so huge, sparse or endless inputs neither hang nor allocate their size.
/// </summary>
public class ConfFileSizeTests
{
    private static string Handmade => VectorData.Primitives.GetProperty("config_handmade").Str("file_text");

    /// <summary>More than the largest read (the cap plus one byte) but far less than any of the inputs below.</summary>
    private const long AllocationBound = 1 << 20;

    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("rc-confsize-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>The handmade config followed by spaces (legal JSON whitespace) up to exactly size bytes.</summary>
    private static byte[] Padded(int size)
    {
        var json = Encoding.UTF8.GetBytes(Handmade);
        Assert.That(json.Length, Is.LessThan(1024), "real configs are under 1 KiB");
        var padded = new byte[size];
        json.CopyTo(padded, 0);
        padded.AsSpan(json.Length).Fill((byte)' ');
        return padded;
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static void AssertTooLarge(ConfigException e, string source)
    {
        Assert.That(e.Kind, Is.EqualTo(ConfigErrorKind.TooLarge));
        Assert.That(e.Message, Is.EqualTo($"config {source}: file is larger than 65536 bytes (a gocryptfs config is under 1 KiB)"));
    }

    /// <summary>Runs load on this thread and returns its refusal, checking that it allocated less than
    /// <see cref="AllocationBound"/> bytes.</summary>
    private static ConfigException RefusedWithinBound(Func<ConfFile> load)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ConfigException>(() => load());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.LessThan(AllocationBound), "the input was read past the cap");
        return e!;
    }

    [Test]
    public void A_valid_config_padded_to_exactly_the_cap_loads()
    {
        var padded = Padded(ConfFile.MaxFileSize);
        var path = Write("at-cap.conf", padded);
        Assert.That(ConfFile.Load(path).Creator, Is.EqualTo("ReverseCrypt test"));
        Assert.That(ConfFile.Parse(padded, "at-cap").Creator, Is.EqualTo("ReverseCrypt test"));
    }

    [Test]
    public void One_byte_over_the_cap_is_refused()
    {
        var padded = Padded(ConfFile.MaxFileSize + 1);
        var path = Write("over-cap.conf", padded);
        AssertTooLarge(Assert.Throws<ConfigException>(() => ConfFile.Load(path))!, path);
        AssertTooLarge(Assert.Throws<ConfigException>(() => ConfFile.Parse(padded, "/x/over.conf"))!, "/x/over.conf");
    }

    [TestCase(1L << 30, TestName = "A_sparse_file_of_1_GiB_is_refused_without_reading_it")]
    [TestCase(1L << 40, TestName = "A_sparse_file_of_1_TiB_is_refused_without_reading_it")]
    public void Sparse_file_is_refused_without_reading_it(long size)
    {
        var path = Write("sparse.conf", Encoding.UTF8.GetBytes(Handmade));
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(size);
        }
        var clock = Stopwatch.StartNew();
        AssertTooLarge(RefusedWithinBound(() => ConfFile.Load(path)), path);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void An_endless_device_is_refused_without_reading_it()
    {
        AssertTooLarge(RefusedWithinBound(() => ConfFile.Load("/dev/zero")), "/dev/zero");
    }

    [Test]
    public void An_endless_fifo_is_refused_after_the_cap()
    {
        var fifo = Path.Combine(_dir, "fifo.conf");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.That(mkfifo.ExitCode, Is.EqualTo(0));
        }
        using var stop = new CancellationTokenSource();
        long written = 0;
        // The writer fills the FIFO until the reader closes it (EPIPE: .NET ignores SIGPIPE) or the test ends.
        var writer = Task.Run(() =>
        {
            var chunk = new byte[4096];
            chunk.AsSpan().Fill((byte)' ');
            try
            {
                using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                while (!stop.IsCancellationRequested)
                {
                    stream.Write(chunk);
                    Interlocked.Add(ref written, chunk.Length);
                }
            }
            catch (IOException)
            {
            }
        });
        try
        {
            AssertTooLarge(RefusedWithinBound(() => ConfFile.Load(fifo)), fifo);
            Assert.That(writer.Wait(TimeSpan.FromSeconds(30)), Is.True, "the writer got EPIPE once the reader was gone");
            Assert.That(Interlocked.Read(ref written), Is.GreaterThan((long)ConfFile.MaxFileSize));
        }
        finally
        {
            stop.Cancel();
            if (!writer.IsCompleted)
            {
                // A writer still waiting for a reader is released by one that opens and closes at once.
                using (new FileStream(fifo, FileMode.Open, FileAccess.Read))
                {
                }
                writer.Wait(TimeSpan.FromSeconds(30));
            }
        }
    }
}
