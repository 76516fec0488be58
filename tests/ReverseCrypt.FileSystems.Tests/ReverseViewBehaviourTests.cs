using Microsoft.Extensions.Logging;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// The view's behaviour on a live plaintext tree, in-process: options (config, excludes, one-file-system), changes
/// while mounted, unreadable and special files, and symlinks swapped in for directories.
/// </summary>
public class ReverseViewBehaviourTests : ReverseViewFixture
{
    private string CipherName(string plainName, ReverseNode? dir = null)
    {
        var names = new NameTransform(Core);
        var iv = new byte[16];
        if (dir is null)
        {
            PathIv.RootDirIv.CopyTo(iv);
        }
        var cipher = new byte[NameTransform.MaxCipherNameLength];
        int n = names.EncryptName(ViewClient.B(plainName), iv, cipher);
        return ViewClient.S(cipher.AsSpan(0, n));
    }

    private string P(string relative) => Path.Combine(Plain, relative);

    [Test]
    public void Constructor_OnAMissingRoot_ThrowsDirectoryNotFound()
    {
        Assert.Throws<DirectoryNotFoundException>(() => Create(new ReverseOptions(Path.Combine(Plain, "missing"))));
        File.WriteAllText(P("file"), "x");
        Assert.Throws<IOException>(() => Create(new ReverseOptions(P("file"))));
    }

    [Test]
    public void Config_InTree_IsShownAsGocryptfsConf_OrHidden()
    {
        File.WriteAllText(P(".gocryptfs.reverse.conf"), "{conf}");
        File.WriteAllText(P("data"), "x");
        var (_, shown) = Create(new ReverseOptions(Plain) { ConfigPath = P(".gocryptfs.reverse.conf") });
        var names = shown.List(FuseConstants.RootNodeId).Select(e => e.Name).ToList();
        Assert.That(names, Does.Contain("gocryptfs.conf"));
        Assert.That(names, Has.Count.EqualTo(5), ". .. data gocryptfs.conf gocryptfs.diriv");

        var (_, hidden) = Create(new ReverseOptions(Plain) { HideConfig = true });
        var hiddenNames = hidden.List(FuseConstants.RootNodeId).Select(e => e.Name).ToList();
        Assert.That(hiddenNames, Has.Count.EqualTo(4), ". .. data gocryptfs.diriv: the config is not shown at all");
        Assert.That(hidden.TryLookup(FuseConstants.RootNodeId, "gocryptfs.conf", out _), Is.EqualTo(Errno.ENOENT));
    }

    [Test]
    public void Config_OutsideTheTree_IsStillShown_AndAnInTreeFileIsOrdinary()
    {
        string external = Path.Combine(Dir.Path, "my.conf");
        File.WriteAllText(external, "{external}");
        File.WriteAllText(P(".gocryptfs.reverse.conf"), "{in tree}");
        var (_, view) = Create(new ReverseOptions(Plain) { ConfigPath = external });

        var names = view.List(FuseConstants.RootNodeId).Select(e => e.Name).ToList();
        Assert.That(names, Does.Contain("gocryptfs.conf"));
        Assert.That(names, Does.Contain(CipherName(".gocryptfs.reverse.conf")), "FORMAT 18: an ordinary file then");
        var conf = view.Lookup(FuseConstants.RootNodeId, "gocryptfs.conf");
        Assert.That(view.ReadAll(conf.NodeId), Is.EqualTo("{external}"u8.ToArray()));
        Assert.That(conf.Attr.Size, Is.EqualTo(10UL));

        var (_, hidden) = Create(new ReverseOptions(Plain) { ConfigPath = external, HideConfig = true });
        Assert.That(hidden.TryLookup(FuseConstants.RootNodeId, "gocryptfs.conf", out _), Is.EqualTo(Errno.ENOENT));
    }

    [Test]
    public void Excluded_Entries_AreLeftOut_AndLookupsArePermissionDenied()
    {
        Directory.CreateDirectory(P("keep"));
        Directory.CreateDirectory(P("cache"));
        File.WriteAllText(P("keep/a.tmp"), "x");
        File.WriteAllText(P("keep/b.txt"), "x");
        File.WriteAllText(P(new string('L', 200) + ".tmp"), "long");
        var (_, view) = Create(new ReverseOptions(Plain) { Exclude = new ExcludeMatcher(["cache/", "*.tmp"]) });

        var root = view.List(FuseConstants.RootNodeId).Select(e => e.Name).ToList();
        Assert.That(root, Does.Not.Contain(CipherName("cache")));
        Assert.That(root, Does.Contain(CipherName("keep")));
        Assert.That(root.Count(n => n.StartsWith("gocryptfs.longname.", StringComparison.Ordinal)), Is.Zero,
            "an excluded long name is left out with its .name file");
        Assert.That(view.TryLookup(FuseConstants.RootNodeId, CipherName("cache"), out _), Is.EqualTo(Errno.EPERM));

        var keep = view.Lookup(FuseConstants.RootNodeId, CipherName("keep"));
        var keepNames = view.List(keep.NodeId).Select(e => e.Name).ToList();
        Assert.That(keepNames, Has.Count.EqualTo(4), ". .. b.txt gocryptfs.diriv");
    }

    [Test]
    public void Changes_InThePlaintext_AreSeenAtTheNextRequest_AndKeepCacheOnlyWhenUnchanged()
    {
        File.WriteAllText(P("live"), "one");
        var (fs, view) = Create();
        var entry = view.Lookup(FuseConstants.RootNodeId, CipherName("live"));
        Assert.That(entry.Attr.Size, Is.EqualTo(18UL + 3 + 32));

        Assert.That(fs.Open(entry.NodeId, 0, out ulong fh1, out var flags1), Is.EqualTo(Errno.OK));
        fs.Release(entry.NodeId, fh1, 0);
        Assert.That(fs.Open(entry.NodeId, 0, out ulong fh2, out var flags2), Is.EqualTo(Errno.OK));
        fs.Release(entry.NodeId, fh2, 0);
        Assert.That(flags1.HasFlag(FuseOpenFlags.KeepCache), Is.False, "first open: nothing cached yet");
        Assert.That(flags2.HasFlag(FuseOpenFlags.KeepCache), Is.True, "unchanged: the cache may be kept");

        var before = view.ReadAll(entry.NodeId);
        File.WriteAllText(P("live"), "two");    // same size, new content and mtime/ctime
        Assert.That(fs.Open(entry.NodeId, 0, out ulong fh3, out var flags3), Is.EqualTo(Errno.OK));
        fs.Release(entry.NodeId, fh3, 0);
        Assert.That(flags3.HasFlag(FuseOpenFlags.KeepCache), Is.False, "changed: the kernel must drop its cache");
        Assert.That(view.ReadAll(entry.NodeId), Is.Not.EqualTo(before));

        File.WriteAllText(P("live"), new string('x', 5000));
        Assert.That(fs.Getattr(entry.NodeId, null, out var attr, out var timeout), Is.EqualTo(Errno.OK));
        Assert.That(attr.Size, Is.EqualTo(18UL + 5000 + 64));
        Assert.That(timeout, Is.EqualTo(TimeSpan.FromSeconds(1)));

        File.Delete(P("live"));
        Assert.That(fs.Getattr(entry.NodeId, null, out _, out _), Is.EqualTo(Errno.ENOENT));
        Assert.That(view.TryLookup(FuseConstants.RootNodeId, CipherName("live"), out _), Is.EqualTo(Errno.ENOENT));
    }

    [Test]
    public void ObjectReplacedByAnotherType_GetsANewNodeId()
    {
        File.WriteAllText(P("x"), "file");
        var (fs, view) = Create();
        var asFile = view.Lookup(FuseConstants.RootNodeId, CipherName("x"));
        Assert.That(view.Lookup(FuseConstants.RootNodeId, CipherName("x")).NodeId, Is.EqualTo(asFile.NodeId), "same object, same node");
        File.Delete(P("x"));
        Directory.CreateDirectory(P("x"));
        var asDir = view.Lookup(FuseConstants.RootNodeId, CipherName("x"));
        Assert.That(asDir.NodeId, Is.Not.EqualTo(asFile.NodeId), "the kernel's inode type cannot change");
        Assert.That(asDir.Attr.Mode & FuseConstants.S_IFMT, Is.EqualTo(FuseConstants.S_IFDIR));
        fs.Forget(asFile.NodeId, 2);
        Assert.That(view.List(asDir.NodeId).Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "gocryptfs.diriv" }));
    }

    [Test]
    public void FileShrinking_DuringReads_GivesWholeBlocksOrEio_NeverACutFileOrZeros()
    {
        File.WriteAllBytes(P("shrinks"), new byte[100_000]);
        var (fs, view) = Create();
        var entry = view.Lookup(FuseConstants.RootNodeId, CipherName("shrinks"));
        Assert.That(fs.Open(entry.NodeId, 0, out ulong fh, out _), Is.EqualTo(Errno.OK));
        var buffer = new byte[128 * 1024];
        Assert.That(fs.Read(entry.NodeId, fh, 0, buffer, out int full), Is.EqualTo(Errno.OK));
        Assert.That(full, Is.EqualTo(18 + 100_000 + 25 * 32));
        var before = buffer.AsSpan(0, full).ToArray();

        using (var f = new FileStream(P("shrinks"), FileMode.Open))
        {
            f.SetLength(5000);
        }
        // Issue 12: the open keeps the size it was opened with; what is gone is an error, not a shorter file.
        Assert.That(fs.Read(entry.NodeId, fh, 0, buffer, out _), Is.EqualTo(Errno.EIO), "the request reaches the missing part");
        Assert.That(fs.Read(entry.NodeId, fh, 0, buffer.AsSpan(0, 18 + 4128), out int head), Is.EqualTo(Errno.OK));
        Assert.That(buffer.AsSpan(0, head).ToArray(), Is.EqualTo(before.AsSpan(0, 18 + 4128).ToArray()), "block 0 is still whole");
        Assert.That(fs.Read(entry.NodeId, fh, 50_000, buffer, out int past), Is.EqualTo(Errno.EIO));
        Assert.That(past, Is.Zero, "past the new end: an error, not zeros and not the end of the file");
        fs.Release(entry.NodeId, fh, 0);
    }

    [Test]
    public void Open_OfFifosAndDevices_IsRefusedWithoutOpeningThem()
    {
        Run.Ok($"mkfifo {Run.Quote(P("fifo"))} && mknod {Run.Quote(P("null"))} c 1 3");
        var (fs, view) = Create();
        using var watch = new OpenWatch(Path.GetDirectoryName(Plain)!, P("fifo"), P("null"));
        foreach (var name in new[] { "fifo", "null" })
        {
            var entry = view.Lookup(FuseConstants.RootNodeId, CipherName(name));
            var openTask = Task.Run(() => fs.Open(entry.NodeId, 0, out _, out _));
            Assert.That(openTask.Wait(TimeSpan.FromSeconds(5)), Is.True, $"open of {name} must not block");
            Assert.That(openTask.Result, Is.EqualTo(Errno.EACCES), name);
        }
        // IN_OPEN is reported for every open, O_NONBLOCK included: refusing after opening would show here.
        Assert.That(watch.Opened(), Is.Empty, "the FIFO or the device node was opened");
        var dir = view.Lookup(FuseConstants.RootNodeId, "gocryptfs.diriv");
        Assert.That(dir.Attr.Size, Is.EqualTo(16UL));
    }

    [Test]
    public void UnreadableFile_IsPermissionDenied_WithOneLogLine_AndTheRestIsServed()
    {
        File.WriteAllText(P("secret"), "no");
        File.WriteAllText(P("public"), "yes");
        Run.Ok($"chmod 000 {Run.Quote(P("secret"))}");
        var logger = new CapturingLogger();
        var (fs, view) = Create(new ReverseOptions(Plain) { Logger = logger });
        var secret = view.Lookup(FuseConstants.RootNodeId, CipherName("secret"));
        var pub = view.Lookup(FuseConstants.RootNodeId, CipherName("public"));

        using (new DacCapabilitiesDropped())
        {
            // As root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, like an unprivileged daemon.
            Assert.That(fs.Open(secret.NodeId, 0, out _, out _), Is.EqualTo(Errno.EACCES));
            Assert.That(fs.Open(secret.NodeId, 0, out _, out _), Is.EqualTo(Errno.EACCES));
            Assert.That(view.ReadAll(pub.NodeId).Length, Is.EqualTo(18 + 3 + 32));
            Assert.That(view.List(FuseConstants.RootNodeId).Select(e => e.Name), Does.Contain(CipherName("secret")));
        }
        var warnings = logger.AtLeast(LogLevel.Warning);
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0].Id.Id, Is.EqualTo(3001));
        Assert.That(warnings[0].Message, Does.Contain(P("secret")));
    }

    [Test]
    public void SymlinkSwappedInForADirectory_NeverLeadsOutsideTheTree()
    {
        Directory.CreateDirectory(P("d"));
        File.WriteAllText(P("d/hostname"), "inside");
        var (fs, view) = Create(new ReverseOptions(Plain) { AttrTimeout = TimeSpan.Zero });
        var d = view.Lookup(FuseConstants.RootNodeId, CipherName("d"));
        var names = view.List(d.NodeId).Where(e => e.Name is not ("." or "..") && e.Name != "gocryptfs.diriv").ToList();
        var hostname = names.Single();

        Directory.Move(P("d"), P("d.old"));
        File.CreateSymbolicLink(P("d"), "/etc");

        // Every access by the old nodes now fails instead of reading /etc/hostname.
        Assert.That(fs.Open(hostname.NodeId, 0, out _, out _), Is.Not.EqualTo(Errno.OK));
        Assert.That(fs.Getattr(hostname.NodeId, null, out _, out _), Is.Not.EqualTo(Errno.OK));
        Assert.That(fs.Opendir(d.NodeId, 0, out _, out _), Is.Not.EqualTo(Errno.OK));
        Assert.That(view.TryLookup(d.NodeId, hostname.Name, out _), Is.Not.EqualTo(Errno.OK));
        // The symlink itself is shown as a symlink.
        var link = view.Lookup(FuseConstants.RootNodeId, CipherName("d"));
        Assert.That(link.Attr.Mode & FuseConstants.S_IFMT, Is.EqualTo(FuseConstants.S_IFLNK));
    }

    [Test]
    public void Diriv_OfADirectoryReplacedByAFile_IsGoneForLookupGetattrAndOpen()
    {
        Directory.CreateDirectory(P("d"));
        var (fs, view) = Create(new ReverseOptions(Plain) { AttrTimeout = TimeSpan.Zero });
        var d = view.Lookup(FuseConstants.RootNodeId, CipherName("d"));
        var diriv = view.Lookup(d.NodeId, "gocryptfs.diriv");
        Assert.That(fs.Getattr(diriv.NodeId, null, out _, out _), Is.EqualTo(Errno.OK));

        Directory.Delete(P("d"));
        File.WriteAllText(P("d"), "now a file");

        // The diriv node stays the directory's; with no directory there is no diriv, whichever request asks.
        Assert.That(view.TryLookup(d.NodeId, "gocryptfs.diriv", out _), Is.EqualTo(Errno.ENOENT));
        Assert.That(fs.Getattr(diriv.NodeId, null, out _, out _), Is.EqualTo(Errno.ENOENT));
        Assert.That(fs.Open(diriv.NodeId, 0, out _, out _), Is.EqualTo(Errno.ENOENT));
    }

    [Test]
    public void OneFileSystem_ShowsOtherDevicesEmpty_ExceptTheirDiriv()
    {
        Require.Root(); // mounts a tmpfs
        Directory.CreateDirectory(P("mnt"));
        File.WriteAllText(P("top"), "x");
        Run.Ok($"mount -t tmpfs -o size=1m rc-fs-test {Run.Quote(P("mnt"))} && echo hi > {Run.Quote(P("mnt/inner"))}");
        try
        {
            var (_, all) = Create(new ReverseOptions(Plain));
            var mntAll = all.Lookup(FuseConstants.RootNodeId, CipherName("mnt"));
            Assert.That(all.List(mntAll.NodeId).Count, Is.EqualTo(4), ". .. inner gocryptfs.diriv");
            var inner = all.List(mntAll.NodeId).Single(e => e.Name.Length == 22);
            Assert.That(inner.Attr.Ino >> 48, Is.Not.Zero, "another device: its own inode namespace");

            var (_, one) = Create(new ReverseOptions(Plain) { OneFileSystem = true });
            var mnt = one.Lookup(FuseConstants.RootNodeId, CipherName("mnt"));
            Assert.That(one.List(mnt.NodeId).Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "gocryptfs.diriv" }));
            Assert.That(one.TryLookup(mnt.NodeId, inner.Name, out _), Is.EqualTo(Errno.ENOENT));
            Assert.That(one.TryLookup(mnt.NodeId, "gocryptfs.diriv", out _), Is.EqualTo(Errno.OK));
        }
        finally
        {
            DisposeViews();
            Run.Shell($"umount -l {Run.Quote(P("mnt"))}");
        }
    }

    [Test]
    public void HardLinks_ShareTheInode_ButEachUsesItsOwnPath()
    {
        File.WriteAllText(P("h1"), "same content");
        Run.Ok($"ln {Run.Quote(P("h1"))} {Run.Quote(P("h2"))}");
        var (_, view) = Create();
        var h1 = view.Lookup(FuseConstants.RootNodeId, CipherName("h1"));
        var h2 = view.Lookup(FuseConstants.RootNodeId, CipherName("h2"));
        Assert.That(h1.Attr.Ino, Is.EqualTo(h2.Attr.Ino));
        Assert.That(h1.Attr.Nlink, Is.EqualTo(2u));
        Assert.That(h1.NodeId, Is.Not.EqualTo(h2.NodeId));
        // FORMAT 18: deterministic, each link encrypted as if it had one link (own file ID from its own path).
        var c1 = view.ReadAll(h1.NodeId);
        var c2 = view.ReadAll(h2.NodeId);
        Assert.That(c1.Length, Is.EqualTo(c2.Length));
        Assert.That(c1.AsSpan(2, 16).SequenceEqual(c2.AsSpan(2, 16)), Is.False);
        Assert.That(view.ReadAll(h1.NodeId), Is.EqualTo(c1));
    }

    /// <summary>FORMAT 18: the links of one inode show one xattr value (nonce from the plaintext inode number), so rsync -H
    /// never finds the group's members disagreeing and sets one link's value on an inode an older snapshot shares; a
    /// file with one link keeps the nonce of its path.</summary>
    [Test]
    public void HardLinks_ShowOneXattrValue_FromTheInode_ALoneFileFromItsPath()
    {
        File.WriteAllText(P("h1"), "same content");
        Run.Ok($"setfattr -n user.k -v value {Run.Quote(P("h1"))} && ln {Run.Quote(P("h1"))} {Run.Quote(P("h2"))}");
        var (fs, view) = Create();
        var xattrs = new XattrTransform(Core);
        var nameBuffer = new byte[512];
        var name = nameBuffer.AsSpan(0, xattrs.EncryptName("user.k"u8, nameBuffer)).ToArray();
        byte[] Value(string plainName)
        {
            var node = view.Lookup(FuseConstants.RootNodeId, CipherName(plainName));
            var value = new byte[100];
            Assert.That(fs.Getxattr(node.NodeId, name, value, out int length), Is.EqualTo(Errno.OK));
            return value[..length];
        }
        Span<byte> ExpectedNonce(ReadOnlySpan<byte> nonceInput)
        {
            var input = new byte[nonceInput.Length + 1 + name.Length];
            nonceInput.CopyTo(input);
            name.CopyTo(input.AsSpan(nonceInput.Length + 1));
            var nonce = new byte[PathIv.Size];
            PathIv.Compute(input, PathIvPurpose.XattrIv, nonce);
            return nonce;
        }

        var v1 = Value("h1");
        Assert.That(Value("h2"), Is.EqualTo(v1), "both links show the same bytes");
        var ino = ulong.Parse(Run.Ok($"stat -c %i {Run.Quote(P("h1"))}").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var linked = new byte[XattrTransform.LinkedFileNonceInputLength];
        XattrTransform.LinkedFileNonceInput(ino, linked);
        Assert.That(v1.AsSpan(0, PathIv.Size).ToArray(), Is.EqualTo(ExpectedNonce(linked).ToArray()), "0x00 || BE64(plaintext inode)");
        var plain = new byte[100];
        Assert.That(xattrs.TryDecryptValue(v1, plain, out int plainLength), Is.True);
        Assert.That(ViewClient.S(plain.AsSpan(0, plainLength)), Is.EqualTo("value"));

        // Back to one link: the path's nonce again (the link count change also changes the file's ctime, so a
        // change-driven run looks at it).
        File.Delete(P("h2"));
        Assert.That(Value("h1").AsSpan(0, PathIv.Size).ToArray(), Is.EqualTo(ExpectedNonce(ViewClient.B(CipherName("h1"))).ToArray()));
    }

    [Test]
    public void Readlink_OfATooLongTarget_IsNameTooLong()
    {
        File.CreateSymbolicLink(P("short"), new string('t', 3040));
        File.CreateSymbolicLink(P("long"), new string('t', 3041));
        var (_, view) = Create();
        var ok = view.Lookup(FuseConstants.RootNodeId, CipherName("short"));
        Assert.That(view.Readlink(ok.NodeId).Length, Is.EqualTo(4096));
        var tooLong = view.Lookup(FuseConstants.RootNodeId, CipherName("long"));
        Assert.That(view.Fs.Readlink(tooLong.NodeId, new byte[4096], out _), Is.EqualTo(Errno.ENAMETOOLONG));
    }

    [Test]
    public void Xattrs_OfSymlinksAreTheirOwn_AndAclsPassThrough()
    {
        File.WriteAllText(P("target"), "x");
        File.CreateSymbolicLink(P("link"), "target");
        Run.Ok($"setfattr -n user.on_target -v 1 {Run.Quote(P("target"))} && setfattr -h -n trusted.on_link -v 2 {Run.Quote(P("link"))} "
            + $"&& setfacl -m u:12345:r {Run.Quote(P("target"))}");
        var logger = new CapturingLogger();
        var (fs, view) = Create(new ReverseOptions(Plain) { Logger = logger });
        var link = view.Lookup(FuseConstants.RootNodeId, CipherName("link"));
        var target = view.Lookup(FuseConstants.RootNodeId, CipherName("target"));

        var xattrs = new XattrTransform(Core);
        string Encrypted(string plainName)
        {
            var buffer = new byte[512];
            return ViewClient.S(buffer.AsSpan(0, xattrs.EncryptName(ViewClient.B(plainName), buffer)));
        }
        Assert.That(List(fs, target.NodeId), Is.EquivalentTo(new[] { Encrypted("user.on_target"), "system.posix_acl_access" }));

        // A symlink's own attributes are read without following it; encrypted names are user.* names, which Linux
        // refuses on symlinks, so the symlink lists none and the view says so once in the log.
        Assert.That(List(fs, link.NodeId), Is.Empty);
        Assert.That(List(fs, link.NodeId), Is.Empty);
        var warnings = logger.AtLeast(LogLevel.Warning);
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0].Id.Id, Is.EqualTo(3010));
        Assert.That(warnings[0].Message, Does.Contain("trusted.on_link").And.Contain(P("link")));
        var value = new byte[100];
        Assert.That(fs.Getxattr(link.NodeId, ViewClient.B(Encrypted("user.on_target")), value, out _), Is.EqualTo(Errno.ENODATA),
            "the target's attribute is not the link's");
        Assert.That(fs.Getxattr(link.NodeId, ViewClient.B(Encrypted("trusted.on_link")), value, out int valueLength), Is.EqualTo(Errno.OK));
        var plain = new byte[100];
        Assert.That(xattrs.TryDecryptValue(value.AsSpan(0, valueLength), plain, out int plainLength), Is.True);
        Assert.That(ViewClient.S(plain.AsSpan(0, plainLength)), Is.EqualTo("2"));

        Assert.That(fs.Getxattr(target.NodeId, "system.posix_acl_access"u8, default, out int aclSize), Is.EqualTo(Errno.OK));
        var acl = new byte[aclSize];
        Assert.That(fs.Getxattr(target.NodeId, "system.posix_acl_access"u8, acl, out _), Is.EqualTo(Errno.OK));
        var plainAcl = new byte[aclSize];
        int n = Libc.GetxattrAt(fs.Tree.RootFd, "target"u8, "system.posix_acl_access"u8, plainAcl, out _);
        Assert.That(acl, Is.EqualTo(plainAcl.AsSpan(0, n).ToArray()), "ACLs pass through unchanged");
    }

    private static string[] List(ReverseFileSystem fs, ulong nodeId)
    {
        var buffer = new byte[4096];
        Assert.That(fs.Listxattr(nodeId, buffer, out int n), Is.EqualTo(Errno.OK));
        return ViewClient.S(buffer.AsSpan(0, n)).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }
}
