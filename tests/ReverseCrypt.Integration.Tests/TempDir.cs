namespace ReverseCrypt.Integration.Tests;

/// <summary>A scratch directory under /tmp/rc-it-*, removed (after unmounting anything below it) on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public const string Prefix = "rc-it-";

    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory(Prefix).FullName;
    }

    public string Path { get; }

    public string Sub(string name)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(p);
        return p;
    }

    public string File(string name, string content)
    {
        var p = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(p, content);
        return p;
    }

    public void Dispose()
    {
        Mounts.UnmountAllBelow(Path);
        Run.Shell($"chattr -R -i '{Path}' 2>/dev/null; chmod -R u+rwx '{Path}' 2>/dev/null; rm -rf '{Path}'");
    }
}
