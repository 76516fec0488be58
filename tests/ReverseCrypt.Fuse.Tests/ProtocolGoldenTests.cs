using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Tests.Support;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>Exact request and reply bytes for the main opcodes, written out field by field from linux/fuse.h.</summary>
public class ProtocolGoldenTests
{
    private SessionHarness _harness = null!;

    [SetUp]
    public void SetUp() => _harness = new SessionHarness(new TestFileSystem());

    [TearDown]
    public void TearDown() => _harness.Dispose();

    [Test]
    public void Init_KernelOffer_RepliesWithNegotiatedParameters()
    {
        byte[] request = Hex.Parse("""
            68000000 1a000000 0100000000000000 0000000000000000   // in_header: len 104, opcode 26 INIT, unique 1, nodeid 0
            e8030000 e9030000 92100000 0000 0000                  // uid 1000, gid 1001, pid 4242, total_extlen, padding
            07000000 2d000000 00000200 fbffff73                   // init_in: major 7, minor 45, max_readahead 128 KiB, flags
            fd050000                                              // flags2 (FUSE_INIT_EXT is set in flags)
            0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 // unused[11]
            """);
        byte[] expected = Hex.Parse("""
            50000000 00000000 0100000000000000   // out_header: len 80, error 0, unique 1
            07000000 26000000 00000200           // major 7, minor 38, max_readahead 128 KiB (the kernel's)
            21f0c440                             // flags: ASYNC_READ BIG_WRITES AUTO_INVAL_DATA DO_READDIRPLUS
                                                 //   READDIRPLUS_AUTO ASYNC_DIO PARALLEL_DIROPS MAX_PAGES
                                                 //   CACHE_SYMLINKS INIT_EXT
            4000 3000                            // max_background 64, congestion_threshold 48
            00000200 01000000                    // max_write 128 KiB, time_gran 1 ns
            0001 0000 00000000                   // max_pages 256, map_alignment 0, flags2 0
            00000000000000000000000000000000000000000000000000000000 // unused[7]
            """);
        Assert.That(request, Is.EqualTo(RequestBuilder.Init(1, SessionHarness.KernelFlags)), "builder agrees with the dump");

        byte[] reply = _harness.Call(request);

        Assert.That(Convert.ToHexString(reply), Is.EqualTo(Convert.ToHexString(expected)));
        Assert.That(_harness.Session.Connection!.Flags, Is.EqualTo(0x40C4F021UL));
        Assert.That(_harness.Session.Connection.ProtocolMinor, Is.EqualTo(38u));
    }

    [Test]
    public void Lookup_ExistingName_RepliesEntryOut()
    {
        _harness.Init();
        byte[] request = Hex.Parse("""
            32000000 01000000 0200000000000000 0100000000000000   // len 50, LOOKUP, unique 2, nodeid 1 (root)
            e8030000 e9030000 92100000 0000 0000
            68656c6c6f2e74787400                                  // "hello.txt\0"
            """);
        byte[] expected = Hex.Parse("""
            90000000 00000000 0200000000000000   // len 144, error 0, unique 2
            0200000000000000 0000000000000000    // entry_out: nodeid 2, generation 0
            0100000000000000 0100000000000000    // entry_valid 1 s, attr_valid 1 s
            00000000 00000000                    // entry_valid_nsec, attr_valid_nsec
            6600000000000000 0c00000000000000    // attr: ino 102, size 12
            0100000000000000                     // blocks 1
            d202964900000000 d202964900000000 d202964900000000 // atime, mtime, ctime 1234567890
            00000000 15cd5b07 00000000           // atimensec 0, mtimensec 123456789, ctimensec 0
            a4810000 01000000                    // mode 0100644, nlink 1
            d2040000 2e160000 00000000           // uid 1234, gid 5678, rdev 0
            00100000 00000000                    // blksize 4096, flags 0
            """);

        byte[] reply = _harness.Call(request);

        Assert.That(Convert.ToHexString(reply), Is.EqualTo(Convert.ToHexString(expected)));
    }

    [Test]
    public void Getattr_Root_RepliesAttrOut()
    {
        _harness.Init();
        byte[] request = Hex.Parse("""
            38000000 03000000 0300000000000000 0100000000000000   // len 56, GETATTR, unique 3, nodeid 1
            e8030000 e9030000 92100000 0000 0000
            00000000 00000000 0000000000000000                    // getattr_in: flags 0 (no fh), dummy, fh
            """);
        byte[] expected = Hex.Parse("""
            78000000 00000000 0300000000000000   // len 120, error 0, unique 3
            0100000000000000 00000000 00000000   // attr_valid 1 s, attr_valid_nsec 0, dummy
            6500000000000000 0010000000000000    // ino 101, size 4096
            0800000000000000                     // blocks 8
            d202964900000000 d202964900000000 d202964900000000
            00000000 15cd5b07 00000000
            ed410000 02000000                    // mode 040755, nlink 2
            d2040000 2e160000 00000000
            00100000 00000000
            """);

        Assert.That(Convert.ToHexString(_harness.Call(request)), Is.EqualTo(Convert.ToHexString(expected)));
    }

    [Test]
    public void Read_OpenedFile_RepliesDataOnly()
    {
        _harness.Init();
        byte[] open = _harness.Call(RequestBuilder.Build(FuseOpcode.Open, 4, TestFileSystem.Hello,
            RequestBuilder.Struct(new FuseOpenIn { Flags = 0x8000 /* O_RDONLY|O_LARGEFILE */ })));
        Assert.That(Convert.ToHexString(open), Is.EqualTo(Convert.ToHexString(Hex.Parse("""
            20000000 00000000 0400000000000000   // len 32, error 0, unique 4
            0210000000000000 00000000 00000000   // open_out: fh 0x1002, open_flags 0, padding
            """))));
        byte[] request = Hex.Parse("""
            50000000 0f000000 0500000000000000 0200000000000000   // len 80, READ, unique 5, nodeid 2
            e8030000 e9030000 92100000 0000 0000
            0210000000000000 0600000000000000                     // read_in: fh 0x1002, offset 6
            64000000 00000000 0000000000000000 00800000 00000000  // size 100, read_flags, lock_owner, flags, padding
            """);

        byte[] reply = _harness.Call(request);

        Assert.That(Convert.ToHexString(reply), Is.EqualTo(Convert.ToHexString(Hex.Parse("""
            16000000 00000000 0500000000000000   // len 22, error 0, unique 5
            776f726c640a                         // "world\n"
            """))));
    }

    [Test]
    public void Readdir_Directory_RepliesPaddedDirents()
    {
        _harness.Init();
        byte[] reply = _harness.Call(RequestBuilder.Read(FuseOpcode.Readdir, 6, TestFileSystem.Dir, 0x2006, 0, 4096));

        Assert.That(Convert.ToHexString(reply), Is.EqualTo(Convert.ToHexString(Hex.Parse("""
            78000000 00000000 0600000000000000   // len 120, error 0, unique 6
            6a00000000000000 0100000000000000    // dirent: ino 106, off 1
            01000000 04000000 2e00000000000000   //   namelen 1, type DT_DIR, "." + 7 bytes padding
            6500000000000000 0200000000000000    // ino 101, off 2
            02000000 04000000 2e2e000000000000   //   namelen 2, DT_DIR, ".." + padding
            6b00000000000000 0300000000000000    // ino 107, off 3
            0a000000 08000000                    //   namelen 10, DT_REG
            6e65737465642e747874 000000000000    //   "nested.txt" + 6 bytes padding
            """))));
    }

    [Test]
    public void Readdirplus_Directory_RepliesEntryAndDirent()
    {
        _harness.Init();
        byte[] reply = _harness.Call(RequestBuilder.Read(FuseOpcode.Readdirplus, 7, TestFileSystem.Dir, 0x2006, 2, 4096));

        // Offset 2 resumes after "." and "..": one direntplus of 152 + 16 bytes.
        Assert.That(reply.Length, Is.EqualTo(16 + 168));
        ReadOnlySpan<byte> payload = reply.AsSpan(16);
        FuseEntry entry = System.Runtime.InteropServices.MemoryMarshal.Read<FuseEntry>(payload);
        Assert.That(entry.NodeId, Is.EqualTo(TestFileSystem.Nested));
        Assert.That(entry.Attr.Ino, Is.EqualTo(107UL));
        Assert.That(entry.EntryTimeout, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(Convert.ToHexString(payload[128..]), Is.EqualTo(Convert.ToHexString(Hex.Parse("""
            6b00000000000000 0300000000000000 0a000000 08000000 // ino 107, off 3, namelen 10, DT_REG
            6e65737465642e747874 000000000000                   // "nested.txt" + padding
            """))));
    }

    [Test]
    public void UnknownOpcode_RepliesEnosysHeaderOnly()
    {
        _harness.Init();
        byte[] reply = _harness.Call(RequestBuilder.Build(9999, 8, 1, [1, 2, 3, 4]));

        Assert.That(Convert.ToHexString(reply), Is.EqualTo(Convert.ToHexString(Hex.Parse("""
            10000000 daffffff 0800000000000000   // len 16, error -38 (ENOSYS), unique 8
            """))));
    }

    [Test]
    public void Getxattr_SizeProbe_RepliesGetxattrOut()
    {
        _harness.Init();
        byte[] request = RequestBuilder.Build(FuseOpcode.Getxattr, 9, TestFileSystem.Hello,
            RequestBuilder.Concat(RequestBuilder.Struct(new FuseGetxattrIn { Size = 0 }), RequestBuilder.NameZ("user.color")));

        Assert.That(Convert.ToHexString(_harness.Call(request)), Is.EqualTo(Convert.ToHexString(Hex.Parse("""
            18000000 00000000 0900000000000000   // len 24, error 0, unique 9
            04000000 00000000                    // getxattr_out: size 4 ("blue"), padding
            """))));
    }

    [Test]
    public void Statfs_RepliesKstatfs()
    {
        _harness.Init();
        byte[] reply = _harness.Call(RequestBuilder.Build(FuseOpcode.Statfs, 10, 1, []));

        Assert.That(Convert.ToHexString(reply), Is.EqualTo(Convert.ToHexString(Hex.Parse("""
            60000000 00000000 0a00000000000000   // len 96, error 0, unique 10
            e803000000000000 6400000000000000    // blocks 1000, bfree 100
            3200000000000000 8813000000000000    // bavail 50, files 5000
            0a00000000000000                     // ffree 10
            00100000 ff000000 00100000 00000000  // bsize 4096, namelen 255, frsize 4096, padding
            000000000000000000000000000000000000000000000000 // spare[6]
            """))));
    }
}
