namespace ReverseCrypt.Integration.Tests;

/// <summary>A scratch directory /tmp/rc-it-* (see <see cref="TestDirectory"/>).</summary>
public sealed class TempDir() : TestDirectory(Prefix)
{
    public const string Prefix = "rc-it-";
}

/// <summary>Leftover mounts under /tmp/rc-it-*, before and after the suite (see <see cref="LeftoverMountCheck"/>).</summary>
[SetUpFixture]
public sealed class LeftoverMounts() : LeftoverMountCheck(TempDir.Prefix);
