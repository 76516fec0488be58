using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

public class BackupDestinationTests
{
    [TestCase("root@127.0.0.1:/backups/srv", "root@127.0.0.1", "/backups/srv")]
    [TestCase("vps:backups/", "vps", "backups")]
    [TestCase("vps:", "vps", ".")]
    [TestCase("vps:~/b", "vps", "~/b")]
    [TestCase("me@[::1]:/b", "me@::1", "/b")]
    [TestCase("host:/", "host", "/")]
    public void Remote_IsSplitIntoHostAndPath(string text, string host, string path)
    {
        var d = BackupDestination.Parse(text);
        Assert.That(d.IsRemote, Is.True);
        Assert.That(d.Host, Is.EqualTo(host));
        Assert.That(d.Path, Is.EqualTo(path));
    }

    [TestCase("/mnt/usb/backup/", "/mnt/usb/backup")]
    [TestCase("./name:with-colon", null)]
    [TestCase("dir/sub:x", null)]
    public void Local_IsAnAbsolutePath(string text, string? expected)
    {
        var d = BackupDestination.Parse(text);
        Assert.That(d.IsRemote, Is.False);
        Assert.That(d.Path, Is.EqualTo(expected ?? Path.GetFullPath(text)));
    }

    [TestCase("host::module")]
    [TestCase("rsync://host/module")]
    [TestCase(":path")]
    [TestCase("-oProxyCommand=x:path")]
    [TestCase("")]
    public void DaemonSyntaxAndBadHosts_AreRefused(string text)
    {
        var e = Assert.Throws<BackupException>(() => BackupDestination.Parse(text));
        Assert.That(e!.Kind, Is.EqualTo(BackupErrorKind.BadDestination));
    }

    [Test]
    public void RsyncPath_BracketsIpv6_AndJoins()
    {
        Assert.That(BackupDestination.Parse("me@[::1]:/b").RsyncPath("snapshots/x"), Is.EqualTo("me@[::1]:/b/snapshots/x"));
        Assert.That(BackupDestination.Parse("h:/").RsyncPath("latest"), Is.EqualTo("h:/latest"));
        Assert.That(BackupDestination.Parse("/tmp/d").RsyncPath(), Is.EqualTo("/tmp/d"));
    }
}
