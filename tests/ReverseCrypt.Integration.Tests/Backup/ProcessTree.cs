using System.Diagnostics;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>The processes below a running backup, read from /proc (for signal and kill tests).</summary>
public static class ProcessTree
{
    /// <summary>Every live descendant of pid, from /proc/PID/stat (field 4: the parent).</summary>
    public static List<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[child] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }
        var result = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.Count > 0)
        {
            var parent = queue.Dequeue();
            foreach (var (child, of) in parents)
            {
                if (of != parent) continue;
                result.Add(child);
                queue.Enqueue(child);
            }
        }
        return result;
    }

    /// <summary>The command name of pid (/proc/PID/comm), or "" when it is gone.</summary>
    public static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Waits (at most 2 minutes) until <paramref name="condition"/> holds while <paramref name="run"/> (a
    /// backup) still runs; fails the test when the backup ends first or the time is up.</summary>
    public static void WaitUntil(Func<bool> condition, Process run, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(run);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (run.HasExited) Assert.Fail($"the backup ended before {what}: exit {run.ExitCode}\n{run.StandardError.ReadToEnd()}");
            if (clock.Elapsed > TimeSpan.FromMinutes(2)) Assert.Fail($"timed out waiting until {what}");
            Thread.Sleep(10);
        }
    }

    /// <summary>The rsync processes below a running backup (the launcher execs the program, so it is its pid), once
    /// there are some.</summary>
    public static List<int> WaitForRsync(Process run)
    {
        List<int> rsync = [];
        WaitUntil(() => (rsync = [.. Descendants(run.Id).Where(pid => Command(pid) == "rsync")]).Count > 0, run, "rsync starts");
        return rsync;
    }
}
