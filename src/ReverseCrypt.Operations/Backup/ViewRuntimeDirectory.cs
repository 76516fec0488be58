using System.Globalization;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Where backup and verify mount their private view: <c>$RUNTIME_DIRECTORY</c> (systemd's RuntimeDirectory=), else
/// <c>/run/reversecrypt</c> for root, else <c>$XDG_RUNTIME_DIR/reversecrypt</c>, else <c>/tmp/reversecrypt-UID</c>;
/// inside it one directory <c>PURPOSE-PID</c> (mode 0700) per run. A directory whose process is gone was left by a
/// killed run: <see cref="FindStale"/> lists them so the caller can unmount and remove them.
/// </summary>
public static class ViewRuntimeDirectory
{
    public static string Base()
    {
        var systemd = Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY");
        return !string.IsNullOrEmpty(systemd) ? systemd.Split(':')[0] : SharedBase();
    }

    /// <summary><see cref="Base"/> without systemd's per-unit directory: the one every run of this user shares
    /// (where <see cref="DestinationLock"/> keeps its lock files).</summary>
    public static string SharedBase()
    {
        if (Libc.Geteuid() == 0) return "/run/reversecrypt";
        var xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return !string.IsNullOrEmpty(xdg) ? Path.Combine(xdg, "reversecrypt") : $"/tmp/reversecrypt-{Libc.Geteuid()}";
    }

    /// <summary>Creates (or reuses, when empty) BASE/PURPOSE-PID with mode 0700 and returns it.</summary>
    public static string Create(string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        var baseDir = Base();
        var dir = Path.Combine(baseDir, $"{purpose}-{Environment.ProcessId}");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(baseDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            else
            {
                Directory.CreateDirectory(dir);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupErrorKind.BadDestination, $"cannot create the runtime directory {dir}: {e.Message}", e);
        }
        return dir;
    }

    /// <summary>Directories BASE/NAME-PID whose process no longer exists.</summary>
    public static IReadOnlyList<string> FindStale()
    {
        var baseDir = Base();
        if (!Directory.Exists(baseDir)) return [];
        var stale = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(baseDir))
        {
            var name = Path.GetFileName(dir);
            var dash = name.LastIndexOf('-');
            if (dash < 0 || !int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}")) stale.Add(dir);
        }
        return stale;
    }

    /// <summary>Removes the (empty, unmounted) directory; errors are ignored.</summary>
    public static void Remove(string dir)
    {
        try
        {
            Directory.Delete(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still mounted or not empty: left for the next run's stale check.
        }
    }
}
