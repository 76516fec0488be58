using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// A private NOTIFY_SOCKET for a server process: <see cref="Wait"/> returns once the server sent READY=1. A server's
/// mount answers as soon as <c>FuseMount.Mount</c> returns, but its SIGINT/SIGTERM handlers exist only from
/// <c>RunUntilUnmounted</c> on, which registers them before it sends READY=1: a test that signals the server waits
/// for READY=1 (earlier, SIGTERM kills the process with the default action, exit 143).
/// </summary>
internal sealed class ReadyNotification : IDisposable
{
    private readonly string _name = $"rc-fuse-test-ready-{Guid.NewGuid():N}";
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public ReadyNotification() => _socket.Bind(new UnixDomainSocketEndPoint("\0" + _name));

    /// <summary>The environment to start the server with.</summary>
    public Dictionary<string, string> Environment => new() { ["NOTIFY_SOCKET"] = "@" + _name };

    public void Wait(Process server, int timeoutMilliseconds = 30_000)
    {
        var stopwatch = Stopwatch.StartNew();
        byte[] datagram = new byte[1024];
        while (stopwatch.ElapsedMilliseconds < timeoutMilliseconds)
        {
            if (_socket.Poll(TimeSpan.FromMilliseconds(50), SelectMode.SelectRead)
                && Encoding.UTF8.GetString(datagram, 0, _socket.Receive(datagram)).Split('\n').Contains("READY=1"))
            {
                return;
            }
            if (server.HasExited)
            {
                Assert.Fail($"the server exited with {server.ExitCode} before READY=1: {server.StandardError.ReadToEnd()}");
            }
        }
        Assert.Fail($"no READY=1 within {timeoutMilliseconds} ms");
    }

    public void Dispose() => _socket.Dispose();
}
