using System.Diagnostics;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// The stderr lines of a server started with --log (the test server), read as they arrive: <see cref="WaitFor"/>
/// returns once a line reporting the awaited event is there, so a test waits on the event, not on a sleep. Start it
/// after anything else that reads the server's stderr.
/// </summary>
internal sealed class ServerLog
{
    private readonly List<string> _lines = [];
    private readonly Process _server;
    private bool _ended;

    public ServerLog(Process server)
    {
        _server = server;
        new Thread(Read) { IsBackground = true, Name = "server-log" }.Start();
    }

    /// <summary>The first line containing <paramref name="text"/>; fails (with every line seen) when the server's
    /// stderr ends or <paramref name="timeoutSeconds"/> pass first. The timeout only bounds a failure.</summary>
    public string WaitFor(string text, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        lock (_lines)
        {
            while (true)
            {
                string? line = _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                if (line is not null)
                {
                    return line;
                }
                TimeSpan left = deadline - DateTime.UtcNow;
                if (_ended || left <= TimeSpan.Zero)
                {
                    Assert.Fail($"no line with \"{text}\" ({(_ended ? "the server's stderr ended" : "timed out")}); lines:\n{string.Join("\n", _lines)}");
                }
                Monitor.Wait(_lines, left);
            }
        }
    }

    private void Read()
    {
        while (_server.StandardError.ReadLine() is string line)
        {
            lock (_lines)
            {
                _lines.Add(line);
                Monitor.PulseAll(_lines);
            }
        }
        lock (_lines)
        {
            _ended = true;
            Monitor.PulseAll(_lines);
        }
    }
}
