using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// A real sshd on 127.0.0.1 (a free high port) with throwaway host and client keys in a temp dir, root login by key
/// only. Started by the test, killed on Dispose. The remote side of every backup test.
/// </summary>
public sealed class SshServer : IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly Process _process;

    public SshServer()
    {
        Require.Tool("ssh");
        Require.Tool("ssh-keygen");
        if (!File.Exists("/usr/sbin/sshd")) Require.Missing("/usr/sbin/sshd is missing (package openssh-server)");
        HostKey = KeyPair("host");
        ClientKey = KeyPair("client");
        RejectedKey = KeyPair("stranger");
        File.Copy(ClientKey + ".pub", AuthorizedKeys);
        Directory.CreateDirectory("/run/sshd");
        Process? started = null;
        for (var attempt = 0; attempt < 5 && started is null; attempt++)
        {
            Port = FreePort();
            File.WriteAllText(ConfigPath, $"""
                Port {Port}
                ListenAddress 127.0.0.1
                HostKey {HostKey}
                PermitRootLogin prohibit-password
                AuthorizedKeysFile {AuthorizedKeys}
                StrictModes no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                PidFile none
                LogLevel ERROR
                Subsystem sftp /usr/lib/openssh/sftp-server
                """);
            started = TryStart();
        }
        _process = started ?? throw new InvalidOperationException("sshd did not start: " + File.ReadAllText(LogPath));
        var probe = Run.Shell($"{SshCommand} root@127.0.0.1 true");
        Assert.That(probe.ExitCode, Is.EqualTo(0), "ssh to the test sshd failed: " + probe + "\n" + File.ReadAllText(LogPath));
    }

    public int Port { get; private set; }

    /// <summary>The listening sshd; each connection is served by a child of it (its session process).</summary>
    public int Pid => _process.Id;

    /// <summary>The session processes (one per open connection): the children of the listening sshd.</summary>
    public IReadOnlyList<int> SessionPids() =>
        [.. Run.Shell($"pgrep -P {Pid}").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];

    public string HostKey { get; }

    /// <summary>The private key the server accepts.</summary>
    public string ClientKey { get; }

    /// <summary>A private key the server does not know.</summary>
    public string RejectedKey { get; }

    private string AuthorizedKeys => Path.Combine(_dir.Path, "authorized_keys");

    private string ConfigPath => Path.Combine(_dir.Path, "sshd_config");

    private string LogPath => Path.Combine(_dir.Path, "sshd.log");

    /// <summary>The --ssh value that logs in.</summary>
    public string SshCommand => CommandWith(ClientKey);

    /// <summary>An --ssh value whose key the server rejects.</summary>
    public string RejectedSshCommand => CommandWith(RejectedKey);

    /// <summary>An --ssh value for a port nobody listens on.</summary>
    public static string UnreachableSshCommand(int port) =>
        $"ssh -p {port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=10";

    private string CommandWith(string key) =>
        $"ssh -i {key} -p {Port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -o IdentitiesOnly=yes";

    /// <summary>Adds a new key whose authorized_keys line forces <paramref name="command"/> (with <c>restrict</c>), as
    /// the remote of an append-only setup has it, and returns an --ssh value that logs in with that key.</summary>
    public string ForcedCommandKey(string command)
    {
        var key = KeyPair("forced-" + Guid.NewGuid().ToString("N")[..8]);
        var line = $"command=\"{command.Replace("\"", "\\\"", StringComparison.Ordinal)}\",restrict {File.ReadAllText(key + ".pub").Trim()}\n";
        File.AppendAllText(AuthorizedKeys, line);
        return CommandWith(key);
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listened on a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string KeyPair(string name)
    {
        var path = Path.Combine(_dir.Path, name);
        var r = Run.Program("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        return path;
    }

    private Process? TryStart()
    {
        var psi = new ProcessStartInfo("/usr/sbin/sshd") { UseShellExecute = false, RedirectStandardError = false };
        foreach (var a in new[] { "-D", "-f", ConfigPath, "-E", LogPath }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) return null;
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return process;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        process.Kill();
        process.WaitForExit();
        return null;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
            _dir.Dispose();
        }
    }
}
