using ReverseCrypt.Fuse.Mounting;
using ReverseCrypt.Fuse.Tests.Support;

namespace ReverseCrypt.Fuse.Tests;

/// <summary><see cref="FuseMountOptions.ReadaheadKb"/> sets the mount's readahead window (sysfs bdi), and without it
/// the kernel's default stays.</summary>
[Category("Mount")]
[NonParallelizable]
public class ReadaheadTests
{
    private static int ReadaheadOf(string mountpoint)
    {
        var entry = MountTable.Find(mountpoint);
        Assert.That(entry, Is.Not.Null, "mounted");
        return int.Parse(File.ReadAllText($"/sys/class/bdi/{entry!.DeviceMajor}:{entry.DeviceMinor}/read_ahead_kb").Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
    }

    [Test]
    public void ReadaheadKb_SetsTheMountsWindow()
    {
        var options = new FuseMountOptions { Subtype = "testfs", FsName = "testfs-source", ReadaheadKb = 2048 };
        using var mounted = new MountedTestFileSystem(options);
        Assert.That(ReadaheadOf(mounted.Mountpoint), Is.EqualTo(2048));
        Assert.That(File.ReadAllBytes(mounted.Path("hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
    }

    [Test]
    public void WithoutReadaheadKb_TheKernelDefaultStays()
    {
        using var mounted = new MountedTestFileSystem();
        Assert.That(ReadaheadOf(mounted.Mountpoint), Is.EqualTo(128));
    }

    [Test]
    public void ReadaheadKb_OutOfRange_IsRefused()
    {
        var options = new FuseMountOptions { ReadaheadKb = -1 };
        Assert.Throws<ArgumentOutOfRangeException>(() => new FuseSession(new Interop.SafeFd(-1), new FuseFileSystemBaseProbe(), options));
    }

    private sealed class FuseFileSystemBaseProbe : FuseFileSystemBase
    {
    }
}
