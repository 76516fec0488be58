using ReverseCrypt.Fuse.Mounting;

namespace ReverseCrypt.Fuse.Tests;

public class MountTableTests
{
    [Test]
    public void Parse_FuseLine_WithEscapedSpace()
    {
        MountEntry? entry = MountTable.Parse(
            "42 27 0:39 / /tmp/a\\040b ro,nosuid,nodev,relatime shared:1 - fuse.reversecrypt my\\134fs ro,user_id=0,group_id=0");

        Assert.That(entry, Is.Not.Null);
        Assert.That(entry!.MountPoint, Is.EqualTo("/tmp/a b"));
        Assert.That(entry.FilesystemType, Is.EqualTo("fuse.reversecrypt"));
        Assert.That(entry.Source, Is.EqualTo("my\\fs"));
        Assert.That((entry.DeviceMajor, entry.DeviceMinor), Is.EqualTo((0u, 39u)));
        Assert.That(entry.IsFuse, Is.True);
    }

    [Test]
    public void Parse_NoOptionalFields_NonFuse()
    {
        MountEntry? entry = MountTable.Parse("22 1 254:1 / / rw,relatime - ext4 /dev/vda rw");
        Assert.That(entry!.MountPoint, Is.EqualTo("/"));
        Assert.That(entry.IsFuse, Is.False);
    }

    [TestCase("")]
    [TestCase("garbage")]
    [TestCase("1 2 x / /mnt rw - fuse src rw")]
    public void Parse_Malformed_Null(string line) => Assert.That(MountTable.Parse(line), Is.Null);

    [Test]
    public void Find_TopmostMountWins()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file,
            [
                "22 1 254:1 / / rw,relatime - ext4 /dev/vda rw",
                "30 22 0:40 / /mnt rw,relatime - tmpfs tmpfs rw",
                "31 30 0:41 / /mnt rw,relatime - fuse.x x rw",
            ]);
            Assert.That(MountTable.Find("/mnt", file)!.FilesystemType, Is.EqualTo("fuse.x"));
            Assert.That(MountTable.Find("/nope", file), Is.Null);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
