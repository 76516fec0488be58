namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// The reverse view's node table as the kernel drives it: lookup counts from LOOKUP and READDIRPLUS, FORGET, ids
/// that are never handed out twice, directories forgotten before their children, names stored inline or aside, and
/// memory given back once the kernel forgets (in-process, no mount).
/// </summary>
public class ReverseNodeTableTests : ReverseViewFixture
{
    private ReverseFileSystem _fs = null!;
    private ViewClient _view = null!;

    private void CreateView() => (_fs, _view) = Create();

    private string CipherName(string plainName, byte[] dirIv)
    {
        var names = new NameTransform(Core);
        var cipher = new byte[NameTransform.MaxCipherNameLength];
        int n = names.EncryptName(ViewClient.B(plainName), dirIv, cipher);
        return ViewClient.S(cipher.AsSpan(0, n));
    }

    private static byte[] RootDirIv => PathIv.RootDirIv.ToArray();

    [Test]
    public void ThousandsOfNodes_AreAllForgotten_AndTheirMemoryReleased()
    {
        const int Files = 9000;   // more than two chunks of 4096 slots
        string many = Path.Combine(Plain, "many");
        Directory.CreateDirectory(many);
        for (int i = 0; i < Files; i++)
        {
            File.Create(Path.Combine(many, $"file-{i:D5}")).Dispose();
        }
        CreateView();
        int chunksAtStart = _fs.NodeChunkCount;
        var dir = _view.Lookup(FuseConstants.RootNodeId, CipherName("many", RootDirIv));
        var entries = _view.List(dir.NodeId).Where(e => e.Name is not ("." or "..")).ToList();
        Assert.That(entries, Has.Count.EqualTo(Files + 1), "files and gocryptfs.diriv");
        Assert.That(_fs.NodeCount, Is.EqualTo(Files + 3), "root, directory, files, diriv");
        Assert.That(_fs.NodeChunkCount, Is.GreaterThanOrEqualTo(3));
        Assert.That(entries.Select(e => e.NodeId).Distinct().Count(), Is.EqualTo(entries.Count));

        foreach (var e in entries)
        {
            _fs.Forget(e.NodeId, 1);
        }
        _fs.Forget(dir.NodeId, 1);
        Assert.That(_fs.NodeCount, Is.EqualTo(1));
        Assert.That(_fs.NodeChunkCount, Is.EqualTo(chunksAtStart), "emptied chunks are released");
        Assert.That(_fs.Getattr(entries[0].NodeId, null, out _, out _), Is.EqualTo(Errno.ENOENT), "a forgotten id finds nothing");
    }

    [Test]
    public void NodeIds_AreNeverHandedOutTwice_AndStaleIdsFindNothing()
    {
        File.WriteAllText(Path.Combine(Plain, "a"), "x");
        CreateView();
        string name = CipherName("a", RootDirIv);
        var first = _view.Lookup(FuseConstants.RootNodeId, name);
        var again = _view.Lookup(FuseConstants.RootNodeId, name);
        Assert.That(again.NodeId, Is.EqualTo(first.NodeId), "same name, same node while held");
        _fs.Forget(first.NodeId, 2);
        Assert.That(_fs.Getattr(first.NodeId, null, out _, out _), Is.EqualTo(Errno.ENOENT));
        var later = _view.Lookup(FuseConstants.RootNodeId, name);
        Assert.That(later.NodeId, Is.Not.EqualTo(first.NodeId), "the slot is reused under a new id");
        Assert.That((uint)later.NodeId, Is.EqualTo((uint)first.NodeId), "same slot");
        Assert.That(_fs.Getattr(first.NodeId, null, out _, out _), Is.EqualTo(Errno.ENOENT), "the old id stays dead");
        Assert.That(_fs.Getattr(later.NodeId, null, out var attr, out _), Is.EqualTo(Errno.OK));
        Assert.That(attr.Size, Is.EqualTo(18UL + 16 + 16 + 1));
        Assert.That(_fs.Getattr(later.NodeId + 1, null, out _, out _), Is.EqualTo(Errno.ENOENT), "an id never handed out");
    }

    [Test]
    public void ADirectoryForgottenBeforeItsChild_StaysUntilTheChildIsForgotten()
    {
        Directory.CreateDirectory(Path.Combine(Plain, "d"));
        File.WriteAllText(Path.Combine(Plain, "d", "inner"), "content");
        CreateView();
        var dir = _view.Lookup(FuseConstants.RootNodeId, CipherName("d", RootDirIv));
        Assert.That(_fs.Getxattr(dir.NodeId, "user.gocryptfs.x"u8, new byte[64], out _), Is.EqualTo(Errno.ENODATA));
        var dirIvEntry = _view.Lookup(dir.NodeId, "gocryptfs.diriv");
        var dirIv = _view.ReadAll(dirIvEntry.NodeId);
        var child = _view.Lookup(dir.NodeId, CipherName("inner", dirIv));
        var expected = _view.ReadAll(child.NodeId);

        _fs.Forget(dir.NodeId, 1);
        Assert.That(_fs.NodeCount, Is.EqualTo(4), "root, d (pending), diriv, inner");
        Assert.That(_view.ReadAll(child.NodeId), Is.EqualTo(expected), "the child still reaches its plaintext");

        var back = _view.Lookup(FuseConstants.RootNodeId, CipherName("d", RootDirIv));
        Assert.That(back.NodeId, Is.EqualTo(dir.NodeId), "looked up again before it left: the same node");
        _fs.Forget(back.NodeId, 1);
        Assert.That(_fs.NodeCount, Is.EqualTo(4), "forgotten again, still pending");
        _fs.Forget(child.NodeId, 1);
        Assert.That(_fs.NodeCount, Is.EqualTo(3), "root, d (pending), diriv");
        Assert.That(_fs.Lookup(dir.NodeId, "gocryptfs.diriv"u8, out _), Is.EqualTo(Errno.ENOENT), "the kernel forgot d");
        _fs.Forget(dirIvEntry.NodeId, 1);
        Assert.That(_fs.NodeCount, Is.EqualTo(1), "the directory left with its last child");
        Assert.That(_fs.Tree.CachedDirectoryCount, Is.Zero);
    }

    [Test]
    public void LongAndShortNames_AreFoundAgain_AfterSlotsAreReused()
    {
        string[] plainNames = ["s", new string('i', 24), new string('j', 25), new string('k', 200), "\u00e9t\u00e9-\u4e2d\u6587"];
        foreach (var name in plainNames)
        {
            File.WriteAllText(Path.Combine(Plain, name), name);
        }
        CreateView();
        var listed = _view.List(FuseConstants.RootNodeId).Where(e => e.Name is not ("." or "..")).ToList();
        foreach (var e in listed)
        {
            _fs.Forget(e.NodeId, 1);
        }
        Assert.That(_fs.NodeCount, Is.EqualTo(1));
        // Again, in a different order, so slots are reused by other names.
        var again = _view.List(FuseConstants.RootNodeId).Where(e => e.Name is not ("." or "..")).Reverse().ToList();
        Assert.That(again.Select(e => e.Name).Order(), Is.EqualTo(listed.Select(e => e.Name).Order()));
        foreach (var e in again.Where(e => (e.Attr.Mode & FuseConstants.S_IFMT) == FuseConstants.S_IFREG && !e.Name.EndsWith(".name", StringComparison.Ordinal)))
        {
            var byLookup = _view.Lookup(FuseConstants.RootNodeId, e.Name);
            Assert.That(byLookup.NodeId, Is.EqualTo(e.NodeId), $"lookup of {e.Name} finds the listed node");
            Assert.That(_view.ReadAll(e.NodeId), Has.Length.EqualTo((long)e.Attr.Size));
        }
    }
}
