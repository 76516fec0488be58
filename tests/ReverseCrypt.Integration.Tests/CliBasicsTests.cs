namespace ReverseCrypt.Integration.Tests;

public class CliBasicsTests
{
    [Test]
    public void Version_PrintsVersionAndExitsZero()
    {
        var r = Run.Cli("--version");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout.Trim(), Does.Match(@"^\d+\.\d+\.\d+"));
    }

    [Test]
    public void UnknownCommand_ExitsWithUsageCode()
    {
        var r = Run.Cli("no-such-command");
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
    }
}
