using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Operations.Remote;

/// <summary>One reply: its type and the bytes after its request id.</summary>
internal readonly record struct SftpReply(byte Type, byte[] Payload);

/// <summary>
/// One ssh child speaking SFTP v3 on its stdin/stdout (<c>ssh ... -s HOST sftp</c>). Requests are pipelined: each
/// carries an id, a reader thread matches the replies. When the connection drops (ssh exits, the server's session is
/// killed, a malformed reply, a request that timed out) the session is <see cref="IsBroken"/>: every pending and later
/// request fails with EIO, and the ssh child is killed.
/// </summary>
internal sealed class SftpSession : IDisposable
{
    private readonly Process _process;
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Lock _writeLock = new();
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<SftpReply>> _pending = new();
    private readonly Queue<string> _stderr = new();
    private readonly Thread _reader;
    private int _nextId;
    private volatile string? _broken;

    public SftpSession(Process process, int generation)
    {
        _process = process;
        Generation = generation;
        _input = process.StandardInput.BaseStream;
        // Buffered: a reply's 9-byte header and a small reply cost no read of their own.
        _output = new BufferedStream(process.StandardOutput.BaseStream, 256 * 1024);
        _ = CollectStderrAsync();
        _reader = new Thread(ReadReplies) { IsBackground = true, Name = "sftp-reader" };
        _reader.Start();
    }

    /// <summary>Counts the connections of a client (1 for the first).</summary>
    public int Generation { get; }

    public bool IsBroken => _broken is not null;

    /// <summary>Why the session broke (null while it works).</summary>
    public string? BrokenReason => _broken;

    /// <summary>The last lines ssh wrote to stderr (e.g. why it could not log in).</summary>
    public string StderrTail
    {
        get
        {
            lock (_stderr)
            {
                return string.Join(" / ", _stderr);
            }
        }
    }

    public int ProcessId => _process.Id;

    /// <summary>Sends a request built by <paramref name="build"/> (after its type and id) and returns the reply task.
    /// The task fails with <see cref="SftpException"/> (EIO) when the session breaks first.</summary>
    public Task<SftpReply> Send(byte type, Action<SftpWriter> build)
    {
        var id = (uint)Interlocked.Increment(ref _nextId);
        var writer = new SftpWriter(type, id);
        build(writer);
        var completion = new TaskCompletionSource<SftpReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        if (_broken is { } reason)
        {
            Fail(reason);
            return completion.Task;
        }
        try
        {
            var packet = writer.Finish();
            lock (_writeLock)
            {
                _input.Write(packet.Span);
                _input.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            Fail("the connection dropped (" + e.Message + ")");
        }
        return completion.Task;
    }

    /// <summary>The INIT/VERSION exchange; throws <see cref="SftpException"/> when the server does not answer SFTP v3.</summary>
    public void Handshake(TimeSpan timeout)
    {
        var completion = new TaskCompletionSource<SftpReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[0] = completion; // VERSION has no id: the reader files it under 0
        Span<byte> init = stackalloc byte[9];
        BinaryPrimitives.WriteUInt32BigEndian(init, 5);
        init[4] = Sftp.Init;
        BinaryPrimitives.WriteUInt32BigEndian(init[5..], 3);
        try
        {
            lock (_writeLock)
            {
                _input.Write(init);
                _input.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Fail("ssh exited (" + e.Message + ")");
        }
        try
        {
            if (!completion.Task.Wait(timeout))
            {
                Fail($"no SFTP answer within {timeout.TotalSeconds:0} s");
            }
            var reply = completion.Task.GetAwaiter().GetResult();
            if (reply.Type != Sftp.Version)
            {
                throw new SftpException(Errno.EIO, "the server did not answer the SFTP handshake");
            }
        }
        catch (AggregateException e) when (e.InnerException is SftpException inner)
        {
            throw inner;
        }
    }

    /// <summary>Breaks the session: kills ssh and fails every pending request with EIO.</summary>
    public void Fail(string reason)
    {
        if (_broken is null)
        {
            _broken = reason;
            Kill();
        }
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var completion))
            {
                completion.TrySetException(new SftpException(Errno.EIO, "connection lost: " + _broken));
            }
        }
    }

    public void Dispose()
    {
        Fail("closed");
        try
        {
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _reader.Join(5000);
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    private void ReadReplies()
    {
        var header = new byte[9];
        try
        {
            while (true)
            {
                if (!ReadExactly(header.AsSpan(0, 5)))
                {
                    Fail(ExitReason());
                    return;
                }
                uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
                byte type = header[4];
                if (length < 5 || length > Sftp.MaxPacket)
                {
                    Fail($"malformed SFTP packet (length {length})");
                    return;
                }
                if (!ReadExactly(header.AsSpan(5, 4)))
                {
                    Fail(ExitReason());
                    return;
                }
                uint id = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5));
                var payload = new byte[length - 5];
                if (!ReadExactly(payload))
                {
                    Fail(ExitReason());
                    return;
                }
                if (type == Sftp.Version)
                {
                    id = 0; // the "id" was the version number
                }
                if (_pending.TryRemove(id, out var completion))
                {
                    completion.TrySetResult(new SftpReply(type, payload));
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Fail("the connection dropped (" + e.Message + ")");
        }
    }

    private string ExitReason()
    {
        var tail = StderrTail;
        return "ssh exited" + (tail.Length > 0 ? ": " + tail : "");
    }

    private bool ReadExactly(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = _output.Read(buffer);
            if (n <= 0)
            {
                return false;
            }
            buffer = buffer[n..];
        }
        return true;
    }

    private async Task CollectStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_stderr)
                {
                    _stderr.Enqueue(line.Length > 300 ? line[..300] : line);
                    while (_stderr.Count > 3)
                    {
                        _stderr.Dequeue();
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }
}
