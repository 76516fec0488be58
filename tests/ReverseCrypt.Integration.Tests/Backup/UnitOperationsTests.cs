using ReverseCrypt.Cli.Infrastructure;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>What issue 15 asks of the units and the sample instance file (systemd-analyze runs in SystemdUnitTests).</summary>
public class UnitOperationsTests
{
    private static readonly string UnitDir = Path.Combine(Repo.Root, "packaging", "systemd");

    private static string Directives(string unit) =>
        string.Join('\n', File.ReadAllLines(Path.Combine(UnitDir, unit)).Where(l => !l.StartsWith('#')));

    [TestCase("backup")]
    [TestCase("verify")]
    public void JobUnits_ReadTheInstanceFile_FailLoudly_AndTimeOut(string job)
    {
        var unit = Directives($"reversecrypt-{job}@.service");
        Assert.That(unit, Does.Contain($"ExecStart=/usr/bin/reversecrypt {job} --instance %i --passfile ${{CREDENTIALS_DIRECTORY}}/password"));
        Assert.That(unit, Does.Contain("LoadCredential=password:/etc/reversecrypt/%i.password"));
        Assert.That(unit, Does.Contain("AssertPathExists=/etc/reversecrypt/%i.conf").And.Not.Contain("ConditionPathExists="));
        Assert.That(unit, Does.Match(@"\nTimeoutStartSec=\d+h\n"));
        Assert.That(unit, Does.Contain("OnFailure=reversecrypt-failure@%n.service"));
        Assert.That(unit, Does.Not.Contain("PrivateTmp="), "a private /tmp hides a SOURCE or local DEST below /tmp");
        Assert.That(unit, Does.Not.Contain("$BACKUP_OPTIONS").And.Not.Contain("EnvironmentFile="), "the program reads the file itself");
    }

    [Test]
    public void MountUnit_AssertsItsInstanceFile()
    {
        var unit = Directives("reversecrypt-mount@.service");
        Assert.That(unit, Does.Contain("AssertPathExists=/etc/reversecrypt/%i.conf").And.Not.Contain("ConditionPathExists="));
    }

    [Test]
    public void FailureUnit_LogsTheFailingUnitsName_AsAnError()
    {
        var unit = Directives("reversecrypt-failure@.service");
        Assert.That(unit, Does.Contain("ExecStart=/bin/echo \"%i failed").And.Contain("SyslogLevel=err").And.Contain("SyslogIdentifier=reversecrypt-failure"));
        Assert.That(File.ReadAllText(Path.Combine(UnitDir, "reversecrypt-failure@.service")), Does.Contain("mail -s"));
    }

    [Test]
    public void SampleInstanceFile_IsValid_AndItsSshKeepsAlive()
    {
        var file = InstanceFile.Read(Path.Combine(Repo.Root, "samples", "nightly-backup", "srv.conf"));
        Assert.That(file.Get("SOURCE"), Is.EqualTo("/srv"));
        Assert.That(file.Get("SSH"), Does.Contain("-o ServerAliveInterval=").And.Contain("-o ServerAliveCountMax="));
        Assert.That(file.Words("BACKUP_OPTIONS"), Does.Contain("--snapshots").And.Contain("--exclude-from"));
        var text = File.ReadAllText(Path.Combine(Repo.Root, "samples", "nightly-backup", "srv.conf"));
        Assert.That(text, Does.Not.Contain("no shell syntax"));
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "samples", "nightly-backup", "README.md"));
        Assert.That(readme, Does.Not.Contain(". /etc/reversecrypt/srv.conf").And.Contain("--instance srv"));
    }
}
