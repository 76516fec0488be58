namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>The units in packaging/systemd: `systemd-analyze verify` must accept each one, with no warning.</summary>
public class SystemdUnitTests
{
    private static readonly string UnitDir = Path.Combine(Repo.Root, "packaging", "systemd");

    public static IEnumerable<string> Units() =>
        Directory.GetFiles(UnitDir).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    [TestCaseSource(nameof(Units))]
    public void Unit_PassesSystemdAnalyzeVerify(string unit)
    {
        Require.Tool("systemd-analyze");
        // verify checks that ExecStart's program exists: point it at the program the launcher builds (the .deb test
        // verifies the installed units with /usr/bin/reversecrypt). The man page is checked there too.
        var build = Run.Cli("--version");
        Assert.That(build.ExitCode, Is.EqualTo(0), build.ToString());
        using var tmp = new TestDirectory();
        var text = File.ReadAllText(Path.Combine(UnitDir, unit))
            .Replace("/usr/bin/reversecrypt", Path.Combine(Repo.Root, ".build", "cli", "reversecrypt"), StringComparison.Ordinal);
        var copy = Path.Combine(tmp.Path, unit);
        File.WriteAllText(copy, text);
        var r = Run.Program("systemd-analyze", ["verify", "--man=no", copy], workingDirectory: tmp.Path);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stderr.Trim(), Is.Empty, "systemd-analyze warned: " + r.Stderr);
    }

    [Test]
    public void Units_HaveWhatTheIssueAsksFor()
    {
        var backup = File.ReadAllText(Path.Combine(UnitDir, "reversecrypt-backup@.service"));
        Assert.That(backup, Does.Contain("Type=oneshot").And.Contain("LoadCredential=password:/etc/reversecrypt/%i.password")
            .And.Contain("backup --instance %i ").And.Contain("DeviceAllow=/dev/fuse rw"));
        var timer = File.ReadAllText(Path.Combine(UnitDir, "reversecrypt-backup@.timer"));
        Assert.That(timer, Does.Contain("OnCalendar=daily").And.Contain("Persistent=true").And.Contain("RandomizedDelaySec="));
        var verifyTimer = File.ReadAllText(Path.Combine(UnitDir, "reversecrypt-verify@.timer"));
        Assert.That(verifyTimer, Does.Contain("OnCalendar=monthly").And.Contain("Persistent=true"));
        var verify = File.ReadAllText(Path.Combine(UnitDir, "reversecrypt-verify@.service"));
        Assert.That(verify, Does.Contain("Type=oneshot").And.Contain("/usr/bin/reversecrypt verify --instance %i ").And.Contain("DeviceAllow=/dev/fuse rw"));
        var mount = string.Join('\n', File.ReadAllLines(Path.Combine(UnitDir, "reversecrypt-mount@.service")).Where(l => !l.StartsWith('#')));
        Assert.That(mount, Does.Contain("Type=notify").And.Contain("--foreground").And.Contain("LoadCredential="));
        Assert.That(mount, Does.Not.Contain("ProtectSystem=").And.Not.Contain("PrivateTmp="),
            "a private mount namespace would hide the mount from everybody else");
    }
}
