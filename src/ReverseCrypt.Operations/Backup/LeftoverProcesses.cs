using System.Diagnostics;
using System.Globalization;
using System.Text;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Ends what a killed run left running. Every child of a run carries <c>REVERSECRYPT_OWNER=TAG</c> in its
/// environment (<see cref="ChildProcess.OwnerTag"/>), inherited by what it starts in turn: rsync's forked receiver
/// and generator, ssh. The parent-death signal ends rsync itself at once, but its own children end only when they
/// notice the closed pipe; a run that starts right after a kill must not race them on the same snapshot. Run while
/// holding the destination's lock, so nothing found can belong to a live run.
/// </summary>
public static class LeftoverProcesses
{
    /// <summary>Processes of this user (other than this one) whose environment carries <paramref name="tag"/>.</summary>
    public static IReadOnlyList<int> Find(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var entry = Encoding.UTF8.GetBytes(ChildProcess.OwnerVariable + "=" + tag + "\0");
        var inside = Encoding.UTF8.GetBytes("\0" + ChildProcess.OwnerVariable + "=" + tag + "\0");
        var found = new List<int>();
        var self = Environment.ProcessId;
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories("/proc");
        }
        catch (IOException)
        {
            return found;
        }
        foreach (var dir in entries)
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self) continue;
            byte[] environ;
            try
            {
                environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone, or not ours
            }
            var span = environ.AsSpan();
            if (span.StartsWith(entry) || span.IndexOf(inside) >= 0) found.Add(pid);
        }
        return found;
    }

    /// <summary>Sends SIGKILL to every leftover of <paramref name="tag"/> and waits until they are gone (at most
    /// <paramref name="timeout"/>). Returns how many were ended; throws <see cref="BackupException"/> (Busy) when some
    /// are still there after the timeout.</summary>
    public static int End(string tag, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var ended = new HashSet<int>();
        while (true)
        {
            var left = Find(tag);
            if (left.Count == 0) return ended.Count;
            if (clock.Elapsed > timeout)
                throw new BackupException(BackupErrorKind.Busy,
                    $"processes of an earlier, killed run for this destination do not end (pids {string.Join(' ', left)}); nothing was done");
            foreach (var pid in left)
            {
                _ = Libc.Kill(pid, Libc.SIGKILL);
                ended.Add(pid);
            }
            Thread.Sleep(20);
        }
    }
}
