namespace ReverseCrypt.Operations.Tests.TestSupport;

/// <summary>A scratch directory /tmp/rc-op-*, removed (after unmounting anything below it) on dispose.</summary>
public sealed class TestDir : IDisposable
{
    public const string Prefix = "rc-op-";

    public TestDir()
    {
        Path = Directory.CreateTempSubdirectory(Prefix).FullName;
    }

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

    public void Dispose()
    {
        Mounts.UnmountAllBelow(Path);
        Run.Shell($"chattr -R -i {Run.Quote(Path)} 2>/dev/null; chmod -R u+rwx {Run.Quote(Path)} 2>/dev/null; rm -rf {Run.Quote(Path)}");
    }
}
