using System.Collections.Concurrent;

namespace ReverseCrypt.TestSupport;

/// <summary>
/// A scratch directory /tmp/PREFIX*, removed on dispose after every FUSE mount below it is detached (immutable flags
/// and missing permissions do not stop the removal, and it never crosses into another filesystem). The one
/// scratch-directory type of the test projects that use TestSupport: the default prefix names the test project
/// (/tmp/rc-operations-*, /tmp/rc-integration-*, ...), which its <see cref="LeftoverMountCheck"/> watches.
/// </summary>
public class TestDirectory : IDisposable
{
    /// <summary>"rc-" and the test project's middle name, lower case ("rc-filesystems-" for
    /// ReverseCrypt.FileSystems.Tests): one test assembly is loaded per test host.</summary>
    public static string DefaultPrefix { get; } = "rc-" + (AppDomain.CurrentDomain.GetAssemblies()
        .Select(a => a.GetName().Name ?? "")
        .FirstOrDefault(n => n.StartsWith("ReverseCrypt.", StringComparison.Ordinal) && n.EndsWith(".Tests", StringComparison.Ordinal))
        ?["ReverseCrypt.".Length..^".Tests".Length].ToLowerInvariant() ?? "test") + "-";

    public TestDirectory() : this(DefaultPrefix)
    {
    }

    private static readonly ConcurrentBag<string> s_created = [];
    private static readonly ConcurrentDictionary<string, bool> s_detachedOnDispose = new(StringComparer.Ordinal);

    public TestDirectory(string prefix)
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
        s_created.Add(Path);
    }

    /// <summary>Every directory this process created (the leftover-mount check looks only at these).</summary>
    public static IEnumerable<string> CreatedInThisRun => s_created;

    /// <summary>Mounts that were still there when their directory was disposed: a test that did not unmount what it
    /// mounted. They are detached (so nothing is left on the machine) and reported by <see cref="LeftoverMountCheck"/>.</summary>
    public static IEnumerable<string> DetachedOnDispose => s_detachedOnDispose.Keys;

    /// <summary>For the check's own test only: forgets a leftover that test made on purpose.</summary>
    public static void ForgetDetached(string mountPoint) => s_detachedOnDispose.TryRemove(mountPoint, out _);

    public string Path { get; }

    /// <summary>Creates (if needed) and returns a subdirectory.</summary>
    public string Sub(string name)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(p);
        return p;
    }

    /// <summary>A path below the directory that does not exist yet.</summary>
    public string Child(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a text file below the directory and returns its path.</summary>
    public string File(string name, string content)
    {
        var p = Child(name);
        System.IO.File.WriteAllText(p, content);
        return p;
    }

    /// <summary>Detaches the FUSE mounts at or below <paramref name="path"/>, then removes it.</summary>
    public static void Remove(string path)
    {
        Mounts.UnmountAllBelow(path);
        var q = Run.Quote(path);
        Run.Shell($"chattr -R -i {q} 2>/dev/null; chmod -R u+rwx {q} 2>/dev/null; rm -rf --one-file-system {q}");
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var mountPoint in Mounts.FuseMountsBelow(Path))
            {
                s_detachedOnDispose[mountPoint] = true;
            }
            Remove(Path);
        }
    }
}
