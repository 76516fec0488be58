namespace ReverseCrypt.Format.Tests;

/// <summary>Leftover mounts under /tmp/rc-format-*, before and after the suite (see <see cref="LeftoverMountCheck"/>; NUnit
/// finds a [SetUpFixture] only in the test assembly itself, hence this one line per project).</summary>
[SetUpFixture]
public sealed class LeftoverMounts : LeftoverMountCheck;
