using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReverseCrypt.Interop;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Operations.Remote;

/// <summary>
/// An SFTP v3 client over one ssh connection (<c>SSH_WORDS... -o ServerAliveInterval=15 -o ServerAliveCountMax=3 -s
/// [user@]host sftp</c>), needing nothing on the remote but sshd and its sftp-server subsystem. Every request is bounded
/// by <see cref="Timeout"/>: one that times out breaks the connection (ssh is killed, every pending request answers
/// EIO). A broken connection is replaced by a new one at the next request. Thread-safe; requests are pipelined.
/// </summary>
public sealed class SftpClient : IDisposable
{
    /// <summary>The ssh options added after the user's (ssh keeps the first value of an option, so --ssh overrides them).</summary>
    public static readonly IReadOnlyList<string> DefaultSshOptions =
        ["-x", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3"];

    /// <summary>
    /// The ciphers preferred when the remote shell is OpenSSH's ssh and names none itself (no -c, no -o Ciphers): the
    /// default set with AES-GCM first. On a CPU with AES instructions AES-GCM costs ssh less than the default
    /// chacha20-poly1305 (about half the ssh client's user time), and ssh is most of what a sequential read costs
    /// besides the view (docs/benchmarks.md).
    /// A server without AES-GCM gets the next one of the list. A Ciphers line in the user's ssh_config is overridden too:
    /// give -c (or -o Ciphers=...) in --ssh to keep a choice.
    /// </summary>
    public static readonly IReadOnlyList<string> PreferredCiphers =
        ["-c", "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr"];

    private readonly IReadOnlyList<string> _command;
    private readonly ILogger _logger;
    private readonly Lock _connectLock = new();
    private readonly BlockingCollection<Action> _spawner = new();
    private readonly Thread _spawnThread;
    private SftpSession? _session;
    private int _generation;
    private bool _disposed;

    /// <param name="sshWords">The remote shell split into words (default <c>["ssh"]</c>).</param>
    /// <param name="host">[user@]host.</param>
    /// <param name="timeout">Bound of every request (default 30 s).</param>
    /// <param name="logger">Gets one line per lost connection and reconnect.</param>
    public SftpClient(IReadOnlyList<string> sshWords, string host, TimeSpan? timeout = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(sshWords);
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (sshWords.Count == 0)
        {
            throw new ArgumentException("the remote shell is empty", nameof(sshWords));
        }
        Host = host;
        _logger = logger ?? NullLogger.Instance;
        Timeout = timeout ?? TimeSpan.FromSeconds(30);
        _command = [.. sshWords, .. DefaultSshOptions, .. NamesCipher(sshWords) ? [] : PreferredCiphers, "-s", "--", host, "sftp"];
        // ssh is started on this thread, which lives as long as the client: its parent-death signal (ChildProcess.Start)
        // follows the starting thread, and a FUSE worker that reconnects may end before the connection does.
        _spawnThread = new Thread(() =>
        {
            foreach (var work in _spawner.GetConsumingEnumerable())
            {
                work();
            }
        })
        { IsBackground = true, Name = "sftp-spawn" };
        _spawnThread.Start();
    }

    public string Host { get; }

    /// <summary>The ssh command line, without the host and subsystem (for tests and logs).</summary>
    public IReadOnlyList<string> Command => _command;

    /// <summary>True when <paramref name="sshWords"/> choose the cipher themselves (-c, -o Ciphers=), or are not
    /// OpenSSH's ssh (another client's -c may mean something else).</summary>
    internal static bool NamesCipher(IReadOnlyList<string> sshWords)
    {
        if (Path.GetFileName(sshWords[0]) != "ssh")
        {
            return true;
        }
        for (int i = 1; i < sshWords.Count; i++)
        {
            var word = sshWords[i];
            if (word.StartsWith("-c", StringComparison.Ordinal)
                || word.Contains("ciphers", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    public TimeSpan Timeout { get; }

    /// <summary>Connections made so far (a reconnect adds one).</summary>
    public int Connections => Volatile.Read(ref _generation);

    /// <summary>The pid of the current ssh child (for tests), or 0.</summary>
    public int SshProcessId => _session is { IsBroken: false } s ? s.ProcessId : 0;

    /// <summary>
    /// Connects now (the first request would otherwise). Throws <see cref="BackupException"/> RemoteUnreachable with
    /// ssh's own words when ssh cannot log in or the server has no sftp subsystem, ToolMissing when ssh is missing.
    /// </summary>
    public void Connect()
    {
        try
        {
            Session();
        }
        catch (SftpException e)
        {
            throw new BackupException(BackupErrorKind.RemoteUnreachable, $"cannot reach {Host} over SFTP: {e.Message}", e);
        }
    }

    /// <summary>Sends one request on the current connection (connecting first when there is none) and waits for its
    /// reply, at most <see cref="Timeout"/>. Throws <see cref="SftpException"/>.</summary>
    internal SftpReply Call(byte type, Action<SftpWriter> build)
    {
        var session = Session();
        return Wait(session, session.Send(type, build));
    }

    /// <summary>Starts one request on <paramref name="session"/> (pipelining: wait later with <see cref="Wait"/>).</summary>
    internal static Task<SftpReply> Start(SftpSession session, byte type, Action<SftpWriter> build) => session.Send(type, build);

    /// <summary>Waits for a reply of <paramref name="session"/>; a timeout breaks the session.</summary>
    internal SftpReply Wait(SftpSession session, Task<SftpReply> reply)
    {
        try
        {
            if (!reply.Wait(Timeout))
            {
                session.Fail($"no answer within {Timeout.TotalSeconds:0.#} s");
            }
            return reply.GetAwaiter().GetResult();
        }
        catch (AggregateException e) when (e.InnerException is SftpException inner)
        {
            throw inner;
        }
    }

    /// <summary>The working session, connecting when there is none or it broke.</summary>
    internal SftpSession Session()
    {
        var current = _session;
        if (current is { IsBroken: false })
        {
            return current;
        }
        lock (_connectLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            current = _session;
            if (current is { IsBroken: false })
            {
                return current;
            }
            if (current is not null)
            {
                SftpLog.Reconnecting(_logger, Host, current.BrokenReason ?? "broken", current.Generation + 1);
                current.Dispose();
            }
            _session = null;
            var process = StartSsh();
            var session = new SftpSession(process, Interlocked.Increment(ref _generation));
            try
            {
                session.Handshake(Timeout);
            }
            catch (SftpException e)
            {
                var tail = session.StderrTail;
                session.Dispose();
                throw new SftpException(Errno.EIO, tail.Length > 0 ? tail : e.Message, e);
            }
            _session = session;
            return session;
        }
    }

    private Process StartSsh()
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _spawner.Add(() =>
        {
            try
            {
                started.SetResult(ChildProcess.Start(_command[0], _command.Skip(1), keepStdin: true));
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        });
        return started.Task.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        lock (_connectLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _session?.Dispose();
            _session = null;
        }
        _spawner.CompleteAdding();
        _spawnThread.Join(5000);
        _spawner.Dispose();
    }
}
