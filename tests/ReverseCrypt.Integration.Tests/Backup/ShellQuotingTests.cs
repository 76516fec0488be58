using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

public class ShellQuotingTests
{
    [TestCase("plain")]
    [TestCase("with space")]
    [TestCase("it's")]
    [TestCase("$HOME `x` \"q\" \\ ; & | * ? [a] ~ # !")]
    [TestCase("new\nline")]
    [TestCase("")]
    public void Quote_RoundTripsThroughARealShell(string text)
    {
        var r = Run.Program("/bin/sh", ["-c", "printf '%s' " + ShellQuoting.Quote(text)]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stdout, Is.EqualTo(text));
    }

    [Test]
    public void QuotePath_ExpandsTildeLikeTheRemoteShell_AndGuardsDashes()
    {
        var home = Run.Program("/bin/sh", ["-c", "printf '%s' " + ShellQuoting.QuotePath("~/a b")]);
        Assert.That(home.Stdout, Is.EqualTo(Environment.GetEnvironmentVariable("HOME") + "/a b"));
        Assert.That(ShellQuoting.QuotePath("-rf"), Is.EqualTo("./-rf"));
    }

    [TestCase("ssh", new[] { "ssh" })]
    [TestCase("ssh  -p 2222   -i /k", new[] { "ssh", "-p", "2222", "-i", "/k" })]
    [TestCase("ssh -o 'ProxyCommand=nc %h %p' host", new[] { "ssh", "-o", "ProxyCommand=nc %h %p", "host" })]
    [TestCase("ssh -i \"/my keys/id\"", new[] { "ssh", "-i", "/my keys/id" })]
    [TestCase("ssh -o 'a''b'", new[] { "ssh", "-o", "a'b" })]
    [TestCase("ssh a\\ b", new[] { "ssh", "a\\", "b" })]
    public void SplitRemoteShell_FollowsRsyncsRules(string command, string[] expected)
    {
        Assert.That(ShellQuoting.SplitRemoteShell(command), Is.EqualTo(expected));
    }

    [TestCase("ssh 'unbalanced")]
    [TestCase("   ")]
    public void SplitRemoteShell_RejectsBadCommands(string command)
    {
        Assert.Throws<BackupException>(() => ShellQuoting.SplitRemoteShell(command));
    }
}
