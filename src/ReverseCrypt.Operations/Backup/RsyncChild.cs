using System.Diagnostics;
using System.Text;

namespace ReverseCrypt.Operations.Backup;

/// <summary>A running rsync (<see cref="RsyncProcess.Start"/>): its output is read as it comes; <see cref="Wait"/>
/// collects the result.</summary>
public sealed class RsyncChild : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly RsyncOutputParser _parser = new();
    private readonly List<string> _lines = [];
    private readonly StringBuilder _stderr = new();
    private readonly Task _stdoutReader;
    private readonly Task _stderrReader;
    private readonly int? _cpu;
    private long _progressBytes = -1;
    private bool _stopped;

    internal RsyncChild(Process process, Action<RsyncProgress>? progress, Action<string>? stderrLine, int? cpu)
    {
        _process = process;
        _cpu = cpu;
        _stdoutReader = Task.Run(() => ReadLines(process.StandardOutput.BaseStream, line =>
        {
            if (RsyncOutputParser.TryParseProgress(line, out var update))
            {
                Volatile.Write(ref _progressBytes, update.Bytes);
                Notify(progress, update);
            }
            else if (!_parser.TryParseStatsLine(line) && line.Trim().Length > 0) _lines.Add(line);
        }), CancellationToken.None);
        _stderrReader = Task.Run(() => ReadLines(process.StandardError.BaseStream, line =>
        {
            _stderr.Append(line).Append('\n');
            Notify(stderrLine, line);
        }), CancellationToken.None);
    }

    /// <summary>
    /// Writes <paramref name="list"/> to rsync's standard input and closes it. An rsync that already ended (a lost
    /// connection) no longer reads: its exit code and stderr, collected by <see cref="Wait"/>, say why.
    /// </summary>
    public void Send(ReadOnlySpan<byte> list)
    {
        try
        {
            var input = _process.StandardInput.BaseStream;
            input.Write(list);
            input.Flush();
        }
        catch (IOException)
        {
            // EPIPE: rsync is gone.
        }
        finally
        {
            CloseInput();
        }
    }

    /// <summary>Kills rsync before it got its list and waits for it to end. It has changed nothing on the destination:
    /// the remote side waits for the file list before it looks at the destination. SIGKILL, not SIGINT: rsync's
    /// SIGINT handler sleeps 400 ms, and a list closed empty in the meantime would still be sent.</summary>
    public void Abandon()
    {
        _stopped = true;
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already ended.
        }
        CloseInput();
        _process.WaitForExit();
        Task.WaitAll(_stdoutReader, _stderrReader);
    }

    /// <summary>Waits for rsync to end (stopping it on <paramref name="cancellation"/>, see
    /// <see cref="ChildProcess.Stop"/>) and returns what it did.</summary>
    public RsyncRun Wait(CancellationToken cancellation = default)
    {
        var cancelled = false;
        using (cancellation.Register(() => { cancelled = true; ChildProcess.Stop(_process); }))
        {
            _process.WaitForExit();
            Task.WaitAll(_stdoutReader, _stderrReader);
        }
        return new RsyncRun(_process.ExitCode, _parser.Stats, _lines, _stderr.ToString(),
            _stopped || cancelled || cancellation.IsCancellationRequested, _clock.Elapsed)
        { Cpu = _cpu, ProgressBytes = Volatile.Read(ref _progressBytes) };
    }

    private void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone, with rsync.
        }
    }

    /// <summary>Calls a display callback; a failing display must never stop the reading of rsync's output (rsync
    /// would block on a full pipe) nor the backup.</summary>
    private static void Notify<T>(Action<T>? callback, T value)
    {
        try
        {
            callback?.Invoke(value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            System.Diagnostics.Debug.WriteLine($"progress display failed: {e.Message}");
        }
    }

    /// <summary>Splits a byte stream into lines at '\n' and '\r' (progress updates end with '\r').</summary>
    private static void ReadLines(Stream stream, Action<string> onLine)
    {
        var buffer = new byte[16384];
        var line = new List<byte>(256);
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                var b = buffer[i];
                if (b is (byte)'\n' or (byte)'\r')
                {
                    if (line.Count > 0) onLine(Encoding.UTF8.GetString(line.ToArray()));
                    line.Clear();
                }
                else
                {
                    line.Add(b);
                }
            }
        }
        if (line.Count > 0) onLine(Encoding.UTF8.GetString(line.ToArray()));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _stopped = true;
            ChildProcess.Stop(_process);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
