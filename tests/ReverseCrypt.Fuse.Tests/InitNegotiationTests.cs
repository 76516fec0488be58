using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

public class InitNegotiationTests
{
    [Test]
    public void Flags_AreIntersectionOfKernelAndLibrary()
    {
        using var harness = new SessionHarness(new TestFileSystem());
        ulong offered = (ulong)(FuseInitFlags.AsyncRead | FuseInitFlags.PosixAcl | FuseInitFlags.DoReaddirplus | FuseInitFlags.SpliceRead);

        FuseInitOut reply = SessionHarness.PayloadAs<FuseInitOut>(harness.Call(RequestBuilder.Init(1, offered, minor: 31)));

        Assert.That(reply.Flags, Is.EqualTo((uint)(FuseInitFlags.AsyncRead | FuseInitFlags.DoReaddirplus)));
        Assert.That(reply.Flags2, Is.EqualTo(0u), "flags2 only with INIT_EXT");
        Assert.That(reply.MaxPages, Is.EqualTo((ushort)32), "without FUSE_MAX_PAGES the kernel's default stays");
    }

    [Test]
    public void Options_ShapeTheReply()
    {
        var options = new FuseMountOptions { Readdirplus = FuseReaddirplusMode.Off, MaxPages = 64, MaxReadahead = 65536, MaxBackground = 10 };
        var fileSystem = new TestFileSystem();
        using var harness = new SessionHarness(fileSystem, options);

        FuseInitOut reply = SessionHarness.PayloadAs<FuseInitOut>(harness.Init());

        Assert.That(reply.Flags & (uint)(FuseInitFlags.DoReaddirplus | FuseInitFlags.ReaddirplusAuto), Is.EqualTo(0u));
        Assert.That(reply.MaxPages, Is.EqualTo((ushort)64));
        Assert.That(reply.MaxReadahead, Is.EqualTo(65536u));
        Assert.That(reply.MaxBackground, Is.EqualTo((ushort)10));
        Assert.That(fileSystem.Connection, Is.Not.Null, "Init hook called");
        Assert.That(fileSystem.Connection!.KernelMinor, Is.EqualTo(45u));
        Assert.That(fileSystem.Connection.ReaddirplusEnabled, Is.False);
    }

    [Test]
    public void OldKernel_Eproto_InitializedFaults()
    {
        using var harness = new SessionHarness(new TestFileSystem());
        byte[] reply = harness.Call(RequestBuilder.Init(1, SessionHarness.KernelFlags, minor: 20));

        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-71));
        Assert.That(() => harness.Session.Initialized.Wait(1000), Throws.InstanceOf<AggregateException>());
    }

    [Test]
    public void NewerMajor_AnswersOurVersionOnly()
    {
        using var harness = new SessionHarness(new TestFileSystem());
        FuseInitOut reply = SessionHarness.PayloadAs<FuseInitOut>(harness.Call(RequestBuilder.Init(1, 0, major: 8)));

        Assert.That(reply.Major, Is.EqualTo(7u));
        Assert.That(reply.Minor, Is.EqualTo(38u));
        Assert.That(harness.Session.Initialized.IsCompleted, Is.False, "the kernel retries INIT");
    }

    [Test]
    public void FileSystemInitError_RefusesInit()
    {
        using var harness = new SessionHarness(new RefusingFileSystem());
        byte[] reply = harness.Call(RequestBuilder.Init(1, SessionHarness.KernelFlags));

        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EACCES));
        Assert.That(() => harness.Session.Initialized.Wait(1000), Throws.InstanceOf<AggregateException>());
    }

    [Test]
    public void RequestBeforeInit_Eio()
    {
        using var harness = new SessionHarness(new TestFileSystem());
        byte[] reply = harness.Call(RequestBuilder.Build(FuseOpcode.Getattr, 5, 1, new byte[16]));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(-(int)Errno.EIO));
    }

    [Test]
    public void SecondInit_Eio()
    {
        using var harness = new SessionHarness(new TestFileSystem());
        harness.Init();
        Assert.That(SessionHarness.Error(harness.Call(RequestBuilder.Init(2, SessionHarness.KernelFlags))), Is.EqualTo(-(int)Errno.EIO));
    }

    private sealed class RefusingFileSystem : FuseFileSystemBase
    {
        public override Errno Init(FuseConnectionInfo connection) => Errno.EACCES;
    }
}
