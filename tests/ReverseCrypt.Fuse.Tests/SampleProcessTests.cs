using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>The sample as a separate server process: signals, kill -9 and stale-mount recovery, sd_notify, and
/// the background mode (re-exec of the program in a new session); the busy-SIGTERM case runs the test server, whose
/// log says when the refused unmount happened.</summary>
[Category("Mount")]
[NonParallelizable]
public class SampleProcessTests
{
    private TempDirectory _directory = null!;
    private string _mountpoint = null!;
    private readonly List<int> _pids = [];

    [SetUp]
    public void SetUp()
    {
        MountRequirements.Require();
        _directory = new TempDirectory();
        _mountpoint = _directory.Sub("mnt");
    }

    [TearDown]
    public void TearDown()
    {
        foreach (int pid in _pids)
        {
            Libc.Kill(pid, Libc.SIGKILL);
        }
        Tool.ForceUnmount(_mountpoint);
        _directory.Dispose();
    }

    private Process StartSample(IDictionary<string, string>? environment = null, params string[] extra)
    {
        Process process = Sample.Start([_mountpoint, "--size", "1048576", .. extra], environment);
        _pids.Add(process.Id);
        return process;
    }

    private static bool IsAlive(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        try
        {
            string text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void WaitGone(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (IsAlive(pid) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        Assert.That(IsAlive(pid), Is.False, $"process {pid} ended");
    }

    [Test]
    public void Kill9_LeavesStaleMount_NextMountRecoversIt()
    {
        Process server = StartSample();
        Sample.WaitMounted(_mountpoint, server);

        server.Kill(); // SIGKILL
        server.WaitForExit();
        // ENOTCONN; with FUSE over io_uring, ECONNABORTED for a moment while the kernel tears the dead rings down.
        Assert.That(() => Directory.GetFileSystemEntries(_mountpoint), Throws.InstanceOf<IOException>()
            .With.Message.Contains("not connected").Or.Message.Contains("connection abort"), "stale: ENOTCONN");

        var log = new ListLogger();
        using (FuseMount mount = FuseMount.Mount(new TestFileSystem(), _mountpoint, MountedTestFileSystem.DefaultOptions, log))
        {
            Assert.That(File.ReadAllBytes(Path.Combine(_mountpoint, "hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
            Assert.That(log.Entries.Select(e => e.Id.Id), Does.Contain(1010), "stale mount recovery logged");
        }
        Assert.That(Tool.IsMounted(_mountpoint), Is.False);
    }

    [Test]
    public void Kill9_StaleRecoveryDisabled_StaleMountpointError()
    {
        Process server = StartSample();
        Sample.WaitMounted(_mountpoint, server);
        server.Kill();
        server.WaitForExit();
        // With FUSE over io_uring the kernel tears the dead server's rings down after its exit, asynchronously; until
        // then the connection still counts as alive (mount says AlreadyMounted, seen once in CI). Wait until a
        // listing fails as on a dead connection, as a user retrying the mount a moment later would see it.
        WaitUntilDisconnected(_mountpoint);

        FuseMountException? error = Assert.Throws<FuseMountException>(() => FuseMount.Mount(new TestFileSystem(), _mountpoint,
            new FuseMountOptions { RecoverStaleMount = false }).Dispose());

        Assert.That(error!.Kind, Is.EqualTo(FuseMountErrorKind.StaleMountpoint));
        Assert.That(error.Message, Does.Contain("umount -l"));
    }

    private static void WaitUntilDisconnected(string mountpoint)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                Directory.GetFileSystemEntries(mountpoint);
            }
            catch (IOException e) when (e.Message.Contains("not connected", StringComparison.Ordinal))
            {
                return;
            }
            catch (IOException)
            {
                // ECONNABORTED while the rings are torn down: not yet.
            }
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the killed server's connection never ended (ENOTCONN)");
            Thread.Sleep(20);
        }
    }

    [TestCase(PosixSignal.SIGTERM)]
    [TestCase(PosixSignal.SIGINT)]
    public void Signal_Unmounts_ExitZero_AfterNotifyReady(PosixSignal signal)
    {
        string socketName = $"rc-fuse-test-notify-{Guid.NewGuid():N}";
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint("\0" + socketName));
        Process server = StartSample(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = "@" + socketName });

        Assert.That(notify.Poll(TimeSpan.FromSeconds(30), SelectMode.SelectRead), Is.True, "READY=1 arrives");
        byte[] datagram = new byte[1024];
        string state = Encoding.UTF8.GetString(datagram, 0, notify.Receive(datagram));
        Assert.That(state.Split('\n'), Does.Contain("READY=1").And.Contain($"MAINPID={server.Id}"));
        Assert.That(File.ReadAllText(Path.Combine(_mountpoint, "hello.txt")), Does.StartWith("Hello"), "ready means usable");

        Assert.That(Libc.Kill(server.Id, signal == PosixSignal.SIGTERM ? Libc.SIGTERM : Libc.SIGINT), Is.EqualTo(0));

        Assert.That(server.WaitForExit(15_000), Is.True, "server exits");
        Assert.That(server.ExitCode, Is.EqualTo(0), server.StandardError.ReadToEnd());
        Assert.That(Tool.IsMounted(_mountpoint), Is.False, "mount gone");
    }

    /// <summary>FuseMount.RunUntilUnmounted with a busy mount, in the test server (the sample logs nothing): the test
    /// waits for the server's log line saying the unmount the first SIGTERM started was refused, so the assertions
    /// that follow are made after that attempt, never before it (a sleep could not promise that under load). (No wait
    /// for "Unmounted" after the second: the process may end before that line is written.)</summary>
    [Test]
    public void Sigterm_WhileBusy_KeepsServing_ThenSecondSigtermExits()
    {
        using var ready = new ReadyNotification();
        Process server = ServerProgram.TestServer.Start([_mountpoint, "--size", "1048576", "--log"], ready.Environment);
        _pids.Add(server.Id);
        ready.Wait(server); // the SIGTERM handler exists from READY=1 on
        var log = new ServerLog(server);
        ServerProgram.WaitMounted(_mountpoint, server);
        using (var open = new FileStream(Path.Combine(_mountpoint, "hello.txt"), FileMode.Open, FileAccess.Read))
        {
            Libc.Kill(server.Id, Libc.SIGTERM);
            Assert.That(log.WaitFor("Cannot unmount"), Does.Contain("busy"), "the first SIGTERM's unmount was refused");
            Assert.That(server.HasExited, Is.False, "busy: not unmounted, still running");
            Assert.That(Tool.IsMounted(_mountpoint), Is.True);
            Assert.That(new StreamReader(open).ReadToEnd(), Does.StartWith("Hello"), "still served");
        }

        Libc.Kill(server.Id, Libc.SIGTERM);
        Assert.That(server.WaitForExit(15_000), Is.True);
        Assert.That(server.ExitCode, Is.EqualTo(0));
        Assert.That(Tool.IsMounted(_mountpoint), Is.False);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Background_ReturnsWhenReady_ChildServesUntilUnmounted(bool viaDotnetHost)
    {
        string[] arguments = [_mountpoint, "--size", "1048576", "--background"];
        Tool.Result result = viaDotnetHost
            ? Tool.Run(Sample.DotnetHost, [Sample.Dll, .. arguments], null)
            : Tool.Run(Sample.AppHost, arguments);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var match = System.Text.RegularExpressions.Regex.Match(result.Stdout, @"pid (\d+)");
        Assert.That(match.Success, Is.True, result.Stdout);
        int child = int.Parse(match.Groups[1].Value);
        _pids.Add(child);
        Assert.That(IsAlive(child), Is.True);
        Assert.That(File.ReadAllText(Path.Combine(_mountpoint, "hello.txt")), Does.StartWith("Hello"), "mounted when the parent returned");
        Assert.That(File.ReadAllText($"/proc/{child}/stat").Split(") ")[1].Split(' ')[3], Is.EqualTo(child.ToString()),
            "the child leads its own session");

        FuseMount.Unmount(_mountpoint);

        WaitGone(child);
        Assert.That(Tool.IsMounted(_mountpoint), Is.False);
    }

    [Test]
    public void Background_ChildFails_ParentReportsMessageAndExitCode()
    {
        string missing = Path.Combine(_directory.Path, "missing");
        Tool.Result result = Tool.Run(Sample.AppHost, missing, "--background");

        Assert.That(result.ExitCode, Is.EqualTo(21), result.ToString());
        Assert.That(result.Stderr, Does.Contain("does not exist").And.Contain(missing));
    }
}
