using System.Buffers.Binary;

namespace ReverseCrypt.Fuse.Tests;

public class DirectoryWriterTests
{
    [Test]
    public void TryAdd_RefusesEntryThatDoesNotFit_AndLeavesBufferUnchanged()
    {
        byte[] buffer = new byte[64];
        var writer = new FuseDirectoryWriter(buffer, plus: false);

        Assert.That(writer.TryAdd("abc"u8, 42, FuseConstants.DirentRegular, 1), Is.True);
        Assert.That(writer.TryAdd("0123456789"u8, 43, FuseConstants.DirentDirectory, 2), Is.False);
        Assert.That(writer.Length, Is.EqualTo(32));
        Assert.That(writer.Count, Is.EqualTo(1));
        Assert.That(buffer.AsSpan(32).ContainsAnyExcept((byte)0), Is.False);
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(buffer), Is.EqualTo(42UL));
        Assert.That(BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(8)), Is.EqualTo(1L));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(16)), Is.EqualTo(3u));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20)), Is.EqualTo(FuseConstants.DirentRegular));
        Assert.That(buffer.AsSpan(24, 8).ToArray(), Is.EqualTo(new byte[] { (byte)'a', (byte)'b', (byte)'c', 0, 0, 0, 0, 0 }));
    }

    [Test]
    public void TryAddPlus_WritesEntryThenDirent_TypeFromMode()
    {
        byte[] buffer = Enumerable.Repeat((byte)0xAA, 200).ToArray();
        var writer = new FuseDirectoryWriter(buffer, plus: true);
        var entry = new FuseEntry { NodeId = 7, Attr = new FuseAttr { Ino = 99, Mode = FuseConstants.S_IFLNK | 0x1FF } };
        entry.EntryTimeout = TimeSpan.FromMilliseconds(1500);

        Assert.That(writer.TryAddPlus("ln"u8, entry, 5), Is.True);

        Assert.That(writer.Length, Is.EqualTo(160));
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(buffer), Is.EqualTo(7UL));
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(16)), Is.EqualTo(1UL), "entry_valid seconds");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(32)), Is.EqualTo(500_000_000u), "entry_valid_nsec");
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(128)), Is.EqualTo(99UL), "dirent ino = attr ino");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(148)), Is.EqualTo(FuseConstants.DirentSymlink));
        Assert.That(buffer.AsSpan(154, 6).ContainsAnyExcept((byte)0), Is.False, "padding zeroed");
        Assert.That(buffer[160], Is.EqualTo(0xAA), "nothing written past the entry");
    }

    [TestCase("")]
    [TestCase("a/b")]
    [TestCase("a\0b")]
    public void TryAdd_InvalidName_Throws(string name)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(name);
        Assert.That(() =>
        {
            var writer = new FuseDirectoryWriter(new byte[4096], plus: false);
            writer.TryAdd(bytes, 1, 0, 1);
        }, Throws.ArgumentException);
    }

    [Test]
    public void WrongMethodForMode_Throws()
    {
        Assert.That(() =>
        {
            var writer = new FuseDirectoryWriter(new byte[4096], plus: true);
            writer.TryAdd("x"u8, 1, 0, 1);
        }, Throws.InvalidOperationException);
        Assert.That(() =>
        {
            var writer = new FuseDirectoryWriter(new byte[4096], plus: false);
            writer.TryAddPlus("x"u8, default, 1);
        }, Throws.InvalidOperationException);
    }

    [Test]
    public void Timeout_SplitAndJoin()
    {
        FuseTimeout.Split(TimeSpan.FromMilliseconds(2500), out ulong seconds, out uint nanoseconds);
        Assert.That((seconds, nanoseconds), Is.EqualTo((2UL, 500_000_000u)));
        FuseTimeout.Split(TimeSpan.FromSeconds(-3), out seconds, out nanoseconds);
        Assert.That((seconds, nanoseconds), Is.EqualTo((0UL, 0u)));
        Assert.That(FuseTimeout.ToTimeSpan(2, 500_000_000), Is.EqualTo(TimeSpan.FromMilliseconds(2500)));
        Assert.That(FuseTimeout.ToTimeSpan(ulong.MaxValue, 0), Is.EqualTo(TimeSpan.MaxValue));
    }
}
