namespace ReverseCrypt.Operations.Tests.Support;

/// <summary>
/// A plaintext tree with the hard cases of the reverse-mode issue: names as bytes (invalid UTF-8, control
/// characters, long names that get hashed, names gocryptfs uses itself), every file type, hard links (also of an
/// empty file and of a symlink), owners, modes with setuid/setgid/sticky, sparse files, nanosecond times, and
/// optionally xattrs of several namespaces and ACLs.
/// </summary>
public static class HardCaseTree
{
    /// <summary>Plaintext bytes used for pseudo-random file content (deterministic).</summary>
    public static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static PlainTree Build(string root, bool withXattrs, bool withDevices = true)
    {
        var tree = new PlainTree(root);
        byte[] invalidUtf8 = [0xff, 0xfe, 0x20, (byte)'x', 0x80];
        byte[] controlChars = [(byte)'a', (byte)'\n', (byte)'b', (byte)'\t', 0x1b, (byte)'c'];
        tree.File("empty", "")
            .File("one", "A")
            .File("f4096", Bytes(4096, 1))
            .File("f4097", Bytes(4097, 2))
            .File("random-300k", Bytes(300_001, 3))
            .File("name with spaces.txt", "spaces\n")
            .File("Ünïcödé-日本語-🙂.txt", "unicode\n")
            .File(invalidUtf8, PlainTree.B("invalid utf-8 name\n"))
            .File(controlChars, PlainTree.B("control characters\n"))
            .File(new string('b', 175), "175 bytes: not hashed\n")
            .File(new string('c', 176), "176 bytes: hashed\n")
            .File(new string('M', 255), "255 bytes\n")
            .File("gocryptfs.conf", "a plaintext file named like the config\n")
            .File("gocryptfs.diriv", "a plaintext file named like a diriv\n")
            .File("setuid", "#!/bin/sh\n", 0x9ED)          // 04755
            .File("setgid", "x", 0x5ED)                    // 02755
            .File("mode0000", "nobody may read me\n", 0)
            .Sparse("sparse-8m", 8 << 20, (0, Bytes(5000, 4)), ((8 << 20) - 3000, Bytes(3000, 5)))
            .Sparse("zeros-20k", 20 * 1024)
            .Dir("sub")
            .File("sub/inner.txt", "inner\n")
            .Dir("sub/nested")
            .Dir("sub/nested/deeper")
            .Dir("sub/nested/deeper/deepest")
            .File("sub/nested/deeper/deepest/deep.bin", Bytes(5000, 6))
            .File("sub/" + new string('d', 200), "long name in a subdirectory\n")
            .Dir("sub/" + new string('D', 220))
            .File("sub/" + new string('D', 220) + "/child", "child of a long-named directory\n")
            .Dir("empty-dir")
            .Dir("readonly-dir", 0x1ED)
            .File("readonly-dir/file", "in a read-only directory\n")
            .Dir("sticky", 0x3FF)                          // 01777
            .Dir("setgid-dir", 0x5FD)                      // 02775
            .Symlink("link", "one")
            .Symlink("abslink", "/etc/hostname")
            .Symlink("dangling", "does/not/exist")
            .Symlink("sub/uplink", "../one")
            .Symlink(PlainTree.B("bytelink"), invalidUtf8)
            .Symlink("longtarget", string.Join('/', Enumerable.Repeat("abcdefghij", 270)))
            .Fifo("fifo")
            .Socket("socket")
            .File("hard1", Bytes(10_000, 7))
            .HardLink("hard1", "hard2")
            .HardLink("hard1", "sub/hard3")
            .File("empty-hard1", "")
            .HardLink("empty-hard1", "sub/empty-hard2")
            .Symlink("symlink-hard1", "one")
            .HardLink("symlink-hard1", "sub/symlink-hard2");
        if (withDevices)
        {
            tree.CharDevice("chardev", 240, 7).BlockDevice("blockdev", 7, 200);
        }
        tree.Owner("one", 1234, 5678)
            .Owner("sub", 4321, 8765)
            .Owner("link", 1111, 2222)
            .Owner("fifo", 3333, 4444)
            .Owner("setuid", 1000, 1000).Mode("setuid", 0x9ED)
            .Owner("setgid", 1000, 1001).Mode("setgid", 0x5ED);
        if (withXattrs)
        {
            tree.Xattr("one", "user.greeting", PlainTree.B("hello"))
                .Xattr("one", "user.empty", [])
                .Xattr("f4096", "user.binary", Bytes(3000, 8))
                .Xattr("f4096", "trusted.secret", PlainTree.B("root only"))
                .Xattr("sub", "user.on-a-directory", PlainTree.B("dir"))
                .Xattr(invalidUtf8, "user.\u00fc", PlainTree.B("name is UTF-8, file name is not"))
                .Xattr("hard1", "user.shared", PlainTree.B("all links"))
                .Acl("random-300k", "-m u:1234:rw-,g:5678:r--")
                .Acl("sub/nested", "-m u:1234:rwx -m d:u:1234:r-x -m d:g::r-x");
        }
        tree.Mode("readonly-dir", 0x16D); // 0555, after its content exists
        return tree.StampAllTimes(1_600_000_000);
    }
}
