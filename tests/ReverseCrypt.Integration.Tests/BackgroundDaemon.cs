using System.Diagnostics;

namespace ReverseCrypt.Integration.Tests;

/// <summary>
/// The detached process that a background `mount` leaves running, found by an argument unique to it (such as its
/// --log file), so that a test can wait until it has exited (its log is then complete) or kill it when a test fails.
/// </summary>
internal static class BackgroundDaemon
{
    /// <summary>The one running process whose command line has <paramref name="argument"/> as an element.</summary>
    public static Process Find(string argument)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            if (cmdline.Split('\0').Contains(argument))
            {
                found.Add(pid);
            }
        }
        Assert.That(found, Has.Count.EqualTo(1), $"one daemon with the argument {argument}");
        return Process.GetProcessById(found[0]);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the daemon to exit; kills it if it does not.
    /// Returns whether it exited by itself.</summary>
    public static bool WaitOrKill(Process daemon, TimeSpan timeout)
    {
        if (daemon.WaitForExit(timeout))
        {
            return true;
        }
        daemon.Kill();
        daemon.WaitForExit();
        return false;
    }

    /// <summary>Runs <paramref name="use"/> on the background mount at <paramref name="mountPoint"/> whose daemon was
    /// started with --log <paramref name="log"/>, unmounts it, waits until the daemon has exited (its log is then
    /// complete) and returns the log. The mount and the daemon are gone afterwards, also when something failed.</summary>
    public static string UseUnmountAndReadLog(string log, string mountPoint, Action use)
    {
        using var daemon = Find(log);
        bool exited;
        try
        {
            use();
            var u = Run.Cli("unmount", mountPoint);
            Assert.That(u.ExitCode, Is.EqualTo(0), u.ToString());
        }
        finally
        {
            if (Mounts.IsMounted(mountPoint))
            {
                Mounts.Detach(mountPoint);
            }
            exited = WaitOrKill(daemon, TimeSpan.FromSeconds(30));
        }
        Assert.That(exited, Is.True, "the daemon exits once unmounted");
        return File.ReadAllText(log);
    }
}
