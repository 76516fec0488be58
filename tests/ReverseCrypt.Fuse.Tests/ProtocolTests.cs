using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>Dispatch rules over a real session: one reply per request, none for FORGET, errors as errno, and a
/// malformed request is answered while the server keeps running.</summary>
public class ProtocolTests
{
    private TestFileSystem _fileSystem = null!;
    private SessionHarness _harness = null!;

    [SetUp]
    public void SetUp()
    {
        _fileSystem = new TestFileSystem();
        _harness = new SessionHarness(_fileSystem);
        _harness.Init();
    }

    [TearDown]
    public void TearDown() => _harness.Dispose();

    private static byte[] Getattr(ulong unique, ulong node) =>
        RequestBuilder.Build(FuseOpcode.Getattr, unique, node, RequestBuilder.Struct(new FuseGetattrIn()));

    private void AssertServerAlive(ulong unique)
    {
        byte[] reply = _harness.Call(Getattr(unique, 1));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(0), "the server still answers");
    }

    [Test]
    public void Lookup_MissingName_RepliesEnoent()
    {
        byte[] reply = _harness.Call(RequestBuilder.Build(FuseOpcode.Lookup, 2, 1, RequestBuilder.NameZ("nope")));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.ENOENT));
        Assert.That(reply.Length, Is.EqualTo(16), "an error reply carries no payload");
    }

    /// <summary>Waits (up to 30 s) for a condition another reader thread brings about.</summary>
    private static bool Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            Thread.Sleep(5);
        }
        return true;
    }

    [Test]
    public void Lookup_CountsAndForgetReleases_WithoutReplyingToForget()
    {
        _harness.Call(RequestBuilder.Build(FuseOpcode.Lookup, 2, 1, RequestBuilder.NameZ("hello.txt")));
        _harness.Call(RequestBuilder.Build(FuseOpcode.Lookup, 3, 1, RequestBuilder.NameZ("hello.txt")));
        Assert.That(_fileSystem.LookupCount(TestFileSystem.Hello), Is.EqualTo(2));

        _harness.Send(RequestBuilder.Build(FuseOpcode.Forget, 4, TestFileSystem.Hello,
            RequestBuilder.Struct(new FuseForgetIn { Nlookup = 2 })));
        // The next reply must be the GETATTR's: FORGET got none.
        byte[] reply = _harness.Call(Getattr(5, 1));

        Assert.That(RequestBuilder.ReadUnique(reply), Is.EqualTo(5UL));
        // FORGET may still be running on the other reader thread: wait for the count to reach 0, do not race it.
        Assert.That(Eventually(() => _fileSystem.LookupCount(TestFileSystem.Hello) == 0), Is.True, "lookups forgotten");
    }

    [Test]
    public void BatchForget_AllEntriesForgotten_NoReply()
    {
        for (ulong u = 2; u < 5; u++)
        {
            _harness.Call(RequestBuilder.Build(FuseOpcode.Lookup, u, 1, RequestBuilder.NameZ(u == 2 ? "dir" : "big.bin")));
        }
        byte[] batch = RequestBuilder.Concat(
            RequestBuilder.Struct(new FuseBatchForgetIn { Count = 2 }),
            RequestBuilder.Struct(new FuseForgetOne { NodeId = TestFileSystem.Dir, Nlookup = 1 }),
            RequestBuilder.Struct(new FuseForgetOne { NodeId = TestFileSystem.Big, Nlookup = 2 }));
        _harness.Send(RequestBuilder.Build(FuseOpcode.BatchForget, 6, 0, batch));

        Assert.That(RequestBuilder.ReadUnique(_harness.Call(Getattr(7, 1))), Is.EqualTo(7UL));
        Assert.That(Eventually(() => _fileSystem.TotalLookupCount == 0), Is.True, "all lookups forgotten");
    }

    [Test]
    public void Readdirplus_CountsOneLookupPerAcceptedEntry_ExceptDotEntries()
    {
        // 4096 bytes hold 4096 / 160 = 25 entries of "eNNNNN" (152 + 6 -> 160 bytes each).
        byte[] reply = _harness.Call(RequestBuilder.Read(FuseOpcode.Readdirplus, 2, TestFileSystem.Many, 0x2008, 0, 4096));
        int entries = (reply.Length - 16) / 160;

        Assert.That(entries, Is.EqualTo(25));
        Assert.That(_fileSystem.LookupCount(TestFileSystem.Many), Is.EqualTo(0), "\".\" does not count");
        Assert.That(_fileSystem.LookupCount(TestFileSystem.FirstManyChild), Is.EqualTo(1));
        Assert.That(_fileSystem.LookupCount(TestFileSystem.FirstManyChild + 22), Is.EqualTo(1));
        Assert.That(_fileSystem.LookupCount(TestFileSystem.FirstManyChild + 23), Is.EqualTo(0), "refused entry does not count");
        Assert.That(_fileSystem.TotalLookupCount, Is.EqualTo(entries - 2));
    }

    [Test]
    public void Readdir_ResumesAtKernelOffset_AndEndsEmpty()
    {
        var names = new List<string>();
        long offset = 0;
        for (ulong unique = 2; unique < 1000; unique++)
        {
            byte[] reply = _harness.Call(RequestBuilder.Read(FuseOpcode.Readdir, unique, TestFileSystem.Many, 0x2008, (ulong)offset, 4096));
            if (reply.Length == 16)
            {
                break;
            }
            ReadOnlySpan<byte> payload = reply.AsSpan(16);
            while (!payload.IsEmpty)
            {
                FuseDirent dirent = MemoryMarshal.Read<FuseDirent>(payload);
                names.Add(System.Text.Encoding.ASCII.GetString(payload.Slice(24, (int)dirent.Namelen)));
                offset = (long)dirent.Off;
                payload = payload[FuseDirectoryWriter.EntrySize((int)dirent.Namelen, plus: false)..];
            }
        }

        Assert.That(names, Has.Count.EqualTo(TestFileSystem.ManyCount + 2));
        Assert.That(names.Distinct().Count(), Is.EqualTo(names.Count));
        Assert.That(names[^1], Is.EqualTo("e01999"));
    }

    [Test]
    public void Getxattr_ValueTooSmall_Erange_AndExactSize_Value()
    {
        byte[] Request(ulong unique, uint size) => RequestBuilder.Build(FuseOpcode.Getxattr, unique, TestFileSystem.Hello,
            RequestBuilder.Concat(RequestBuilder.Struct(new FuseGetxattrIn { Size = size }), RequestBuilder.NameZ("user.color")));

        Assert.That(SessionHarness.Error(_harness.Call(Request(2, 3))), Is.EqualTo(-(int)Errno.ERANGE));
        byte[] value = _harness.Call(Request(3, 4));
        Assert.That(SessionHarness.Payload(value).ToArray(), Is.EqualTo("blue"u8.ToArray()));
        byte[] missing = _harness.Call(RequestBuilder.Build(FuseOpcode.Getxattr, 4, TestFileSystem.Hello,
            RequestBuilder.Concat(RequestBuilder.Struct(new FuseGetxattrIn { Size = 100 }), RequestBuilder.NameZ("user.nope"))));
        Assert.That(SessionHarness.Error(missing), Is.EqualTo(-(int)Errno.ENODATA));
    }

    [Test]
    public void Listxattr_ProbeThenList()
    {
        byte[] probe = _harness.Call(RequestBuilder.Build(FuseOpcode.Listxattr, 2, TestFileSystem.Hello,
            RequestBuilder.Struct(new FuseGetxattrIn { Size = 0 })));
        uint size = SessionHarness.PayloadAs<FuseGetxattrOut>(probe).Size;
        byte[] list = _harness.Call(RequestBuilder.Build(FuseOpcode.Listxattr, 3, TestFileSystem.Hello,
            RequestBuilder.Struct(new FuseGetxattrIn { Size = size })));

        Assert.That(size, Is.EqualTo(22u));
        Assert.That(SessionHarness.Payload(list).ToArray(), Is.EqualTo("user.color\0user.empty\0"u8.ToArray()));
    }

    [TestCase(FuseOpcode.Mkdir)]
    [TestCase(FuseOpcode.Setattr)]
    [TestCase(FuseOpcode.Write)]
    [TestCase(FuseOpcode.Create)]
    [TestCase(FuseOpcode.Unlink)]
    [TestCase(FuseOpcode.Setxattr)]
    [TestCase(FuseOpcode.Rename2)]
    public void Mutation_ReadOnlyMount_Erofs(FuseOpcode opcode)
    {
        byte[] reply = _harness.Call(RequestBuilder.Build(opcode, 2, 1, new byte[64]));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EROFS));
    }

    [Test]
    public void Mutation_ReadWriteMount_Enosys()
    {
        using var harness = new SessionHarness(new TestFileSystem(), new FuseMountOptions { ReadOnly = false });
        harness.Init();
        byte[] reply = harness.Call(RequestBuilder.Build(FuseOpcode.Mkdir, 2, 1, new byte[64]));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.ENOSYS));
    }

    [TestCase(52u)] // STATX: the kernel falls back to GETATTR
    [TestCase((uint)FuseOpcode.Lseek)]
    [TestCase((uint)FuseOpcode.Getlk)]
    [TestCase((uint)FuseOpcode.Ioctl)]
    [TestCase(100u)]
    [TestCase(0u)]
    [TestCase(uint.MaxValue)]
    public void UnsupportedOrUnknownOpcode_Enosys(uint opcode)
    {
        byte[] reply = _harness.Call(RequestBuilder.Build(opcode, 2, 1, new byte[8]));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.ENOSYS));
        AssertServerAlive(3);
    }

    [Test]
    public void Interrupt_NoReply()
    {
        _harness.Send(RequestBuilder.Build(FuseOpcode.Interrupt, 2, 0, RequestBuilder.Struct(new FuseInterruptIn { Unique = 1 })));
        Assert.That(RequestBuilder.ReadUnique(_harness.Call(Getattr(3, 1))), Is.EqualTo(3UL));
    }

    [Test]
    public void ShortRequest_WithUnique_Eio_ServerKeepsRunning()
    {
        byte[] request = RequestBuilder.Build(FuseOpcode.Getattr, 2, 1, [])[..24];
        BinaryPrimitives.WriteUInt32LittleEndian(request, 24);
        _harness.Send(request);
        byte[] reply = _harness.Receive();

        Assert.That(RequestBuilder.ReadUnique(reply), Is.EqualTo(2UL));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EIO));
        AssertServerAlive(3);
    }

    [Test]
    public void TinyRequest_WithoutUnique_Dropped_ServerKeepsRunning()
    {
        _harness.Send([1, 2, 3]);
        Assert.That(_harness.TryReceive(200), Is.Null);
        AssertServerAlive(3);
        Assert.That(_harness.Log.Entries.Count(e => e.Id.Id == 1001), Is.EqualTo(1), "one log line");
    }

    [Test]
    public void HeaderLengthMismatch_Eio()
    {
        byte[] request = Getattr(2, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)request.Length + 8);
        byte[] reply = _harness.Call(request);
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EIO));
        AssertServerAlive(3);
    }

    [Test]
    public void LookupWithoutNul_Einval()
    {
        byte[] reply = _harness.Call(RequestBuilder.Build(FuseOpcode.Lookup, 2, 1, "hello.txt"u8));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EINVAL));
        AssertServerAlive(3);
    }

    [TestCase(FuseOpcode.Read)]
    [TestCase(FuseOpcode.Readdir)]
    [TestCase(FuseOpcode.Open)]
    [TestCase(FuseOpcode.Release)]
    [TestCase(FuseOpcode.Flush)]
    [TestCase(FuseOpcode.Getxattr)]
    [TestCase(FuseOpcode.Access)]
    public void TruncatedArguments_Einval(FuseOpcode opcode)
    {
        byte[] reply = _harness.Call(RequestBuilder.Build(opcode, 2, TestFileSystem.Hello, [1, 2, 3]));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EINVAL));
        AssertServerAlive(3);
    }

    private static IEnumerable<TestCaseData> SizedOperations() =>
        FuseSession.Operations.Where(o => o.MinimumInput > 1)
            .Select(o => new TestCaseData(o.Opcode, o.Name, o.MinimumInput, o.Replies).SetArgDisplayNames(o.Name));

    /// <summary>Every opcode with a minimum argument size: one byte short is refused before the filesystem sees it,
    /// with EINVAL (no reply for FORGET and BATCH_FORGET) and one warning naming the opcode.</summary>
    [TestCaseSource(nameof(SizedOperations))]
    public void OneByteShort_EinvalAndOneLogLineNamingTheOpcode(FuseOpcode opcode, string name, int minimumInput, bool replies)
    {
        var log = new ListLogger();
        using var harness = new SessionHarness(new TestFileSystem(), logger: log);
        if (opcode != FuseOpcode.Init)
        {
            harness.Init();
        }
        byte[] request = RequestBuilder.Build(opcode, 2, TestFileSystem.Hello, new byte[minimumInput - 1]);
        if (replies)
        {
            byte[] reply = harness.Call(request);
            Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EINVAL));
        }
        else
        {
            harness.Send(request);
            Assert.That(harness.TryReceive(200), Is.Null, "no reply");
        }
        var lines = log.Entries.Where(e => e.Id.Id == 1001).ToList();
        Assert.That(lines, Has.Count.EqualTo(1));
        Assert.That(lines[0].Message, Does.Contain($"Malformed FUSE {name} request"));
        if (opcode != FuseOpcode.Init)
        {
            byte[] alive = harness.Call(Getattr(3, 1));
            Assert.That(SessionHarness.Error(alive), Is.EqualTo(0), "the server still answers");
        }
    }

    [Test]
    public void ManyMalformedRequests_LoggedAtMostOncePerSecond_AllAnswered()
    {
        var log = new ListLogger();
        using var harness = new SessionHarness(new TestFileSystem(), logger: log);
        harness.Init();
        for (ulong unique = 2; unique < 102; unique++)
        {
            byte[] reply = harness.Call(RequestBuilder.Build(FuseOpcode.Read, unique, TestFileSystem.Hello, [1, 2, 3]));
            Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EINVAL));
        }
        Assert.That(log.Entries.Count(e => e.Id.Id == 1001), Is.InRange(1, 3), "100 requests in well under 3 s");
    }

    [Test]
    public void ReadLargerThanNegotiated_Einval()
    {
        byte[] reply = _harness.Call(RequestBuilder.Read(FuseOpcode.Read, 2, TestFileSystem.Big, 0x1003, 0, 64 * 1024 * 1024));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EINVAL));
    }

    [Test]
    public void HandlerThrows_EioAndOneLogLine_ServerKeepsRunning()
    {
        byte[] reply = _harness.Call(RequestBuilder.Read(FuseOpcode.Read, 2, TestFileSystem.Throws, 0x1009, 0, 4096));

        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EIO));
        Assert.That(_harness.Log.Entries.Count(e => e.Id.Id == 1000), Is.EqualTo(1));
        AssertServerAlive(3);
    }

    [Test]
    public void Read_ReplyIsExactlyTheBytesRead_AtEndOfFile()
    {
        byte[] reply = _harness.Call(RequestBuilder.Read(FuseOpcode.Read, 2, TestFileSystem.Big, 0x1003,
            (ulong)TestFileSystem.BigSize - 10, 128 * 1024));
        Assert.That(reply.Length, Is.EqualTo(16 + 10));
        Assert.That(reply[16], Is.EqualTo(TestFileSystem.ContentByte(TestFileSystem.BigSize - 10)));
    }

    [Test]
    public void Read_128KiB_OneReplyMessage()
    {
        // (A socketpair message is limited to the socket buffer; 1 MiB replies are covered by the mounted direct-io test.)
        byte[] reply = _harness.Call(RequestBuilder.Read(FuseOpcode.Read, 2, TestFileSystem.Big, 0x1003, 4096, 128 * 1024));
        Assert.That(reply.Length, Is.EqualTo(16 + 128 * 1024));
        Assert.That(reply[16 + 5000], Is.EqualTo(TestFileSystem.ContentByte(4096 + 5000)));
    }

    [Test]
    public void RequestContext_SeenByFileSystem()
    {
        var probe = new ContextProbe();
        using var harness = new SessionHarness(probe);
        harness.Init();
        harness.Call(Getattr(77, 1));
        Assert.That(probe.Seen.Unique, Is.EqualTo(77UL));
        Assert.That(probe.Seen.Uid, Is.EqualTo(RequestBuilder.Uid));
        Assert.That(probe.Seen.Gid, Is.EqualTo(RequestBuilder.Gid));
        Assert.That(probe.Seen.Pid, Is.EqualTo(RequestBuilder.Pid));
        Assert.That(probe.Seen.Opcode, Is.EqualTo((uint)FuseOpcode.Getattr));
    }

    [Test]
    public void EndOfStream_SessionCompletes_DestroyCalledOnce()
    {
        _harness.Dispose();
        Assert.That(_harness.Session.Completion.IsCompleted, Is.True);
        Assert.That(_fileSystem.Destroyed, Is.True);
    }

    private sealed class ContextProbe : FuseFileSystemBase
    {
        public FuseRequestContext Seen;

        public override Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
        {
            Seen = FuseRequestContext.Current;
            attr = new FuseAttr { Ino = 1, Mode = FuseConstants.S_IFDIR | 0x1ED, Nlink = 2 };
            attrTimeout = TimeSpan.Zero;
            return Errno.OK;
        }
    }
}
