using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Format;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>Decoding the encrypted paths verify reports, against gocryptfs -reverse as the oracle.</summary>
[Category("Mount"), Category("Gocryptfs")]
public class CipherPathDecoderTests
{
    [Test]
    public void EveryPathOfAGocryptfsReverseView_DecodesToItsPlaintextPath()
    {
        using var tmp = new TestDirectory();
        var plain = tmp.Sub("plain");
        var passfile = tmp.File("pass", "pw\n");
        var script = $$"""
            set -e
            cd '{{plain}}'
            mkdir -p a/b "$(head -c 200 < /dev/zero | tr '\0' d)"
            echo 1 > a/b/file
            echo 2 > "a/$(head -c 190 < /dev/zero | tr '\0' l)"
            echo 3 > "$(head -c 200 < /dev/zero | tr '\0' d)/x"
            echo 4 > 'sp ace'
            """;
        Assert.That(Run.Shell(script).ExitCode, Is.EqualTo(0));
        var init = Run.Program("gocryptfs", ["-init", "-reverse", "-q", "-scryptn", "10", "-passfile", passfile, plain]);
        Assert.That(init.ExitCode, Is.EqualTo(0), init.ToString());
        var mnt = tmp.Sub("mnt");
        Gocryptfs.Mount(["-reverse", "-passfile", passfile], plain, mnt);
        try
        {
            using var key = KeyLoader.Open(new PasswordSource([new FileInfo(passfile)], null, null),
                Path.Combine(plain, ".gocryptfs.reverse.conf"), FormatOptions.ReverseDefaults);
            using var core = key.CreateCore();
            var decoder = new CipherPathDecoder(new NameTransform(core), mnt);
            var decoded = Directory.EnumerateFileSystemEntries(mnt, "*", SearchOption.AllDirectories)
                .Select(p => decoder.Decode(Path.GetRelativePath(mnt, p)))
                .Where(p => !p.Contains('[', StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList();
            var expected = Directory.EnumerateFileSystemEntries(plain, "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(plain, p))
                .Where(p => p != ".gocryptfs.reverse.conf")
                .Order(StringComparer.Ordinal).ToList();
            Assert.That(decoded, Is.EqualTo(expected));
            Assert.That(decoder.Decode("gocryptfs.conf"), Is.EqualTo("[config gocryptfs.conf]"));
            Assert.That(decoder.Decode("."), Is.EqualTo("/"));

            // A file that exists only in the backup (deleted since) still decodes: the IV comes from the path.
            var cipherOfFile = Directory.EnumerateFiles(mnt, "*", SearchOption.AllDirectories)
                .Single(p => decoder.Decode(Path.GetRelativePath(mnt, p)) == "sp ace");
            File.Delete(Path.Combine(plain, "sp ace"));
            Assert.That(decoder.Decode(Path.GetRelativePath(mnt, cipherOfFile)), Is.EqualTo("sp ace"));
            Assert.That(decoder.Decode("AAAAAAAAAAAAAAAAAAAAAA"), Does.StartWith("?cipher:"));
        }
        finally
        {
            Gocryptfs.Unmount(mnt);
        }
    }
}
