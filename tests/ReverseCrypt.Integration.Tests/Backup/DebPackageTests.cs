namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>packaging/build-deb.sh builds a .deb that installs with dpkg -i, runs, and removes cleanly.</summary>
[Category("Package")]
[NonParallelizable]
public class DebPackageTests
{
    [Test]
    public void Deb_BuildsInstallsRunsAndRemoves()
    {
        Require.Tool("dpkg-deb");
        Require.Tool("dotnet");
        if (Run.Shell("[ \"$(id -u)\" = 0 ]").ExitCode != 0) Require.Missing("the package test needs root (dpkg -i)");
        var installed = Run.Shell("dpkg-query -W -f='${Status}' reversecrypt 2>/dev/null | grep -q 'install ok installed'").ExitCode == 0;
        if (installed && !Require.InCi) Assert.Ignore("reversecrypt is installed on this machine; not replacing it");

        using var tmp = new TestDirectory();
        var build = Run.Program(Path.Combine(Repo.Root, "packaging", "build-deb.sh"), [tmp.Path], timeout: TimeSpan.FromMinutes(15),
            workingDirectory: Repo.Root);
        Assert.That(build.ExitCode, Is.EqualTo(0), build.ToString());
        var deb = build.Stdout.Trim().Split('\n')[^1];
        Assert.That(File.Exists(deb), deb);

        var info = Run.Program("dpkg-deb", ["-f", deb, "Depends", "Package", "Architecture"]);
        Assert.That(info.Stdout, Does.Contain("fuse3").And.Contain("rsync").And.Contain("openssh-client").And.Contain("amd64"));
        var contents = Run.Program("dpkg-deb", ["-c", deb]).Stdout;
        Assert.That(contents, Does.Contain("./usr/bin/reversecrypt").And.Contain("reversecrypt-backup@.service")
            .And.Contain("reversecrypt-backup@.timer").And.Contain("reversecrypt-mount@.service").And.Contain("man1/reversecrypt.1.gz"));

        var install = Dpkg("-i", deb);
        Assert.That(install.ExitCode, Is.EqualTo(0), install.ToString());
        try
        {
            var version = Run.Program("/usr/bin/reversecrypt", ["--version"]);
            Assert.That(version.ExitCode, Is.EqualTo(0), version.ToString());
            Assert.That(version.Stdout.Trim(), Is.EqualTo(Run.Cli("--version").Stdout.Trim()));
            // scrypt runs in the packaged native library: init proves it loads from /usr/lib/reversecrypt.
            var plain = tmp.Sub("plain");
            var passfile = tmp.File("pass", "pw\n");
            var init = Run.Program("/usr/bin/reversecrypt", ["init", "--reverse", "--scryptn", "10", "--passfile", passfile, plain]);
            Assert.That(init.ExitCode, Is.EqualTo(0), init.ToString());
            Assert.That(File.Exists("/usr/share/man/man1/reversecrypt.1.gz"));
            if (Run.Shell("command -v systemd-analyze").ExitCode == 0)
            {
                foreach (var unit in new[] { "reversecrypt-backup@.service", "reversecrypt-backup@.timer", "reversecrypt-mount@.service" })
                {
                    var verify = Run.Program("systemd-analyze", ["verify", Path.Combine("/lib/systemd/system", unit)]);
                    Assert.That(verify.ExitCode, Is.EqualTo(0), unit + ": " + verify);
                }
            }
        }
        finally
        {
            var remove = Dpkg("-r", "reversecrypt");
            Assert.That(remove.ExitCode, Is.EqualTo(0), remove.ToString());
        }
        Assert.That(File.Exists("/usr/bin/reversecrypt"), Is.False);
        Assert.That(Directory.Exists("/usr/lib/reversecrypt"), Is.False);
        Assert.That(Dpkg("--purge", "reversecrypt").ExitCode, Is.EqualTo(0), "purge leaves no trace");
    }

    /// <summary>dpkg, waiting (up to 5 minutes) while another package operation on the machine holds its lock.</summary>
    private static ProcessResult Dpkg(params string[] args)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var r = Run.Program("dpkg", args, timeout: TimeSpan.FromMinutes(5));
            if (r.ExitCode == 0 || !r.Stderr.Contains("lock", StringComparison.Ordinal) || DateTime.UtcNow > deadline) return r;
            Thread.Sleep(2000);
        }
    }
}
