using System.Diagnostics;

namespace ReverseCrypt.TestSupport;

/// <summary>
/// Proof that files were never opened: inotifywait (inotify-tools) watches the given files for IN_OPEN, which the kernel
/// reports for every open(2) of the inode, blocking or not, by any process. Watching does not open them. A sentinel
/// file, opened last, marks the end of the queue, so <see cref="Opened"/> has seen every open that came before it.
/// Use a private node (mknod in the test directory) rather than /dev/null, which other processes open all the time.
/// </summary>
public sealed class OpenWatch : IDisposable
{
    private readonly Process _process;
    private readonly string _sentinel;
    private readonly List<string> _lines = [];
    private readonly ManualResetEventSlim _ready = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    public OpenWatch(string scratchDir, params string[] paths)
    {
        Require.Tool("inotifywait");
        _sentinel = Path.Combine(scratchDir, ".open-watch-sentinel-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(_sentinel, "");
        var info = new ProcessStartInfo("inotifywait")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-m", "-e", "open", "--format", "%w" }.Concat(paths).Append(_sentinel))
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Watches established", StringComparison.Ordinal) == true)
            {
                _ready.Set();
            }
        };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_lines)
                {
                    _lines.Add(e.Data);
                }
                _lineArrived.Release();
            }
        };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        if (!_ready.Wait(TimeSpan.FromSeconds(20)))
        {
            Dispose();
            Assert.Fail("inotifywait did not establish its watches: " + string.Join(' ', paths));
        }
    }

    /// <summary>The watched paths that were opened since the watch started (each open once), in order.</summary>
    public IReadOnlyList<string> Opened()
    {
        using (File.OpenRead(_sentinel))
        {
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            lock (_lines)
            {
                if (_lines.Contains(_sentinel))
                {
                    var opened = _lines.Where(l => l != _sentinel).ToList();
                    _lines.Clear();
                    return opened;
                }
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_lineArrived.Wait(left))
            {
                Assert.Fail("inotifywait did not report the sentinel's open");
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _ready.Dispose();
        _lineArrived.Dispose();
        File.Delete(_sentinel);
    }
}
