namespace ReverseCrypt.Operations.Tests;

/// <summary>Leftover mounts under /tmp/rc-op-*, before and after the suite (see <see cref="LeftoverMountCheck"/>).</summary>
[SetUpFixture]
public sealed class LeftoverMounts() : LeftoverMountCheck(TestDir.Prefix);
