using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

/// <summary><see cref="FuseRequestContext.RunAfterReply"/>: the work runs on the reader thread once the reply was
/// written (the caller already has it), once per registration, and a throwing work item is logged while the session
/// keeps serving.</summary>
public class AfterReplyTests
{
    private static byte[] Getattr(ulong unique) =>
        RequestBuilder.Build(FuseOpcode.Getattr, unique, 1, RequestBuilder.Struct(new FuseGetattrIn()));

    [Test]
    public void Work_RunsAfterTheReplyWasSent_OncePerRegistration()
    {
        var fs = new DeferringFileSystem();
        using var harness = new SessionHarness(fs);
        harness.Init();

        byte[] reply = harness.Call(Getattr(10));
        Assert.That(SessionHarness.Error(reply), Is.EqualTo(0));
        fs.ReplyReceived.Set();
        Assert.That(fs.WorkDone.Wait(TimeSpan.FromSeconds(10)), Is.True, "the work ran");
        Assert.That(fs.RepliedBeforeWork, Is.True, "the caller had its reply before the work finished");
        Assert.That(fs.WorkThread, Is.EqualTo(fs.HandlerThread), "on the reader thread that answered");

        fs.Register = false;
        harness.Call(Getattr(11));
        harness.Call(Getattr(12));
        Assert.That(fs.WorkRuns, Is.EqualTo(1), "a registration runs once");
    }

    [Test]
    public void ThrowingWork_IsLogged_AndTheSessionKeepsServing()
    {
        var fs = new DeferringFileSystem { Throw = true };
        // One reader thread: the next request is read only after the work (and its log line) is done.
        using var harness = new SessionHarness(fs, new FuseMountOptions { ReaderThreads = 1 });
        harness.Init();
        Assert.That(SessionHarness.Error(harness.Call(Getattr(20))), Is.EqualTo(0));
        fs.Register = false;
        Assert.That(SessionHarness.Error(harness.Call(Getattr(21))), Is.EqualTo(0), "still serving");
        Assert.That(harness.Log.Entries.Count(e => e.Id.Id == 1000), Is.EqualTo(1), "logged once (HandlerThrew)");
    }

    private sealed class DeferringFileSystem : FuseFileSystemBase
    {
        public bool Register { get; set; } = true;
        public bool Throw { get; init; }
        public ManualResetEventSlim ReplyReceived { get; } = new();
        public ManualResetEventSlim WorkDone { get; } = new();
        public bool RepliedBeforeWork { get; private set; }
        public int WorkRuns;
        public int HandlerThread { get; private set; }
        public int WorkThread { get; private set; }

        public override Errno Getattr(ulong nodeId, ulong? fileHandle, out FuseAttr attr, out TimeSpan attrTimeout)
        {
            attr = new FuseAttr { Ino = 1, Mode = FuseConstants.S_IFDIR | 0x1ED, Nlink = 2 };
            attrTimeout = TimeSpan.Zero;
            if (Register)
            {
                HandlerThread = Environment.CurrentManagedThreadId;
                FuseRequestContext.RunAfterReply(static state => ((DeferringFileSystem)state!).Work(), this);
            }
            return Errno.OK;
        }

        private void Work()
        {
            Interlocked.Increment(ref WorkRuns);
            WorkThread = Environment.CurrentManagedThreadId;
            if (Throw)
            {
                throw new InvalidOperationException("deferred work failed");
            }
            // Waits for the test thread to have the reply: it can only get it if the reply went out before this work.
            RepliedBeforeWork = ReplyReceived.Wait(TimeSpan.FromSeconds(5));
            WorkDone.Set();
        }
    }
}
