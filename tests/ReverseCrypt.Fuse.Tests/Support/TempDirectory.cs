namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>A fresh directory under /tmp, removed on Dispose after any mount on or below it is detached.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine("/tmp", $"rc-fuse-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name)
    {
        string path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        foreach (string line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            Mounting.MountEntry? entry = Mounting.MountTable.Parse(line);
            if (entry is not null && entry.MountPoint.StartsWith(Path + "/", StringComparison.Ordinal))
            {
                Tool.ForceUnmount(entry.MountPoint);
            }
        }
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
