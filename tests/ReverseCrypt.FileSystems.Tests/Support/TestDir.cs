namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>A scratch directory /tmp/rc-fs-* (see <see cref="TestDirectory"/>).</summary>
public sealed class TestDir() : TestDirectory(Prefix)
{
    public const string Prefix = "rc-fs-";
}
