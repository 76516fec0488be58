using System.Net.Sockets;
using System.Text;

namespace ReverseCrypt.Fuse;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram of "KEY=value" lines to the AF_UNIX socket named by
/// <c>NOTIFY_SOCKET</c> (a path, or "@name" for the abstract namespace). Used for <c>Type=notify</c> services and by
/// <see cref="FuseBackground"/>.
/// </summary>
public static class SystemdNotify
{
    public const string SocketVariable = "NOTIFY_SOCKET";

    /// <summary>Sends <paramref name="state"/> (e.g. "READY=1") when NOTIFY_SOCKET is set. Returns false when it is
    /// not set or sending failed.</summary>
    public static bool Notify(string state) => Send(Environment.GetEnvironmentVariable(SocketVariable), state);

    /// <summary>READY=1 with the current process id as MAINPID.</summary>
    public static bool Ready() => Notify($"READY=1\nMAINPID={Environment.ProcessId}");

    /// <summary>Sends <paramref name="state"/> to a notify socket address ("/path" or "@abstract").</summary>
    public static bool Send(string? address, string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (string.IsNullOrEmpty(address) || (address[0] != '/' && address[0] != '@'))
        {
            return false;
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), ToEndPoint(address));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static UnixDomainSocketEndPoint ToEndPoint(string address) =>
        new(address[0] == '@' ? "\0" + address[1..] : address);
}
