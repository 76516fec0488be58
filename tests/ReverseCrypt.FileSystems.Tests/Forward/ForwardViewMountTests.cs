using Microsoft.Extensions.Logging;

namespace ReverseCrypt.FileSystems.Tests.Forward;

/// <summary>
/// The forward view mounted for real, with `gocryptfs -reverse` + rsync as the producer of the encrypted tree and
/// `gocryptfs -ro` as the reference reader; the oracle is plain shell tools (find, stat, sha256sum, cmp, dd).
/// </summary>
[Category("Mount")]
public sealed class ForwardViewMountTests
{
    private const string TreeScript = """
        set -e
        mkdir -p sub/deep/er empty-dir
        printf hello > sub/deep/er/file
        head -c 300000 /dev/urandom > big
        : > empty
        printf x > one
        ln one hard
        ln one sub/hard2
        ln -s one link
        ln -s /nonexistent/target dangling
        mkfifo fifo
        mknod cdev c 240 1
        echo long > "$(printf 'c%.0s' {1..176})"
        echo longer > "sub/$(printf 'L%.0s' {1..255})"
        echo bytes > $'bad\xff\xfename'
        echo "new line" > $'a\nb'
        truncate -s 5M sparse
        printf data | dd of=sparse bs=1 seek=4000000 conv=notrunc status=none
        chmod 4755 one
        chmod 0555 sub/deep
        chown 1234:5678 big
        find . -mindepth 1 -depth -exec touch -h -d @1300000000.111111111 {} +
        touch -h -d @1500000000.123456789 link
        touch -d @1400000000.987654321 big sub/deep/er/file
        """;

    private static string Describe(string root) => Run.Ok(
        $"cd {Run.Quote(root)} && find . -mindepth 1 -printf '%p|%y|%m|%U|%G|%s|%T@|%l|%n\\n' | LC_ALL=C sort && " +
        "find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum");

    [Test]
    public void Mount_CopyOfGocryptfsReverseView_ShowsExactlyWhatGocryptfsShows()
    {
        using var dir = new TestDirectory();
        var (plain, copy, passFile) = Fwd.GocryptfsBackup(dir, TreeScript);
        using var core = Fwd.OpenCore(copy);
        var logger = new CapturingLogger();
        var reference = dir.Sub("reference");
        Gocryptfs.MountReadOnly(copy, reference, passFile);
        string expected, theirs, ours;
        try
        {
            theirs = Describe(reference);
        }
        finally
        {
            Gocryptfs.Unmount(reference);
        }
        using (var mount = new MountedForward(copy, core, dir.Sub("ours"), logger))
        {
            ours = Describe(mount.MountPoint);
            // Hard links share the inode number shown; the sparse file reads as zeros around its data.
            var inodes = Run.Ok($"cd {Run.Quote(mount.MountPoint)} && stat -c %i one hard sub/hard2 | sort -u | wc -l").Trim();
            Assert.That(inodes, Is.EqualTo("1"));
            Run.Ok($"cmp {Run.Quote(Path.Combine(plain, "sparse"))} {Run.Quote(Path.Combine(mount.MountPoint, "sparse"))}");
            Assert.That(Run.Ok($"readlink {Run.Quote(Path.Combine(mount.MountPoint, "dangling"))}").Trim(), Is.EqualTo("/nonexistent/target"));
        }
        expected = Describe(plain).Replace("./.gocryptfs.reverse.conf|f|400|0|0|", "SKIP", StringComparison.Ordinal);
        expected = string.Join('\n', expected.Split('\n').Where(l => !l.StartsWith("SKIP", StringComparison.Ordinal)
            && !l.EndsWith("./.gocryptfs.reverse.conf", StringComparison.Ordinal)));

        Assert.That(ours, Is.EqualTo(theirs), "our mount vs gocryptfs -ro");
        Assert.That(ours, Is.EqualTo(expected), "our mount vs the plaintext");
        Assert.That(logger.MessagesAtLeast(LogLevel.Warning), Is.Empty);
    }

    [Test]
    public void Mount_RandomOffsetReads_MatchThePlaintext()
    {
        using var dir = new TestDirectory();
        var (plain, copy, _) = Fwd.GocryptfsBackup(dir, "head -c 1000000 /dev/urandom > f; head -c 4097 /dev/urandom > small");
        using var core = Fwd.OpenCore(copy);
        using var mount = new MountedForward(copy, core, dir.Sub("ours"));
        var random = new Random(42);
        var script = new System.Text.StringBuilder("set -e\n");
        for (int i = 0; i < 60; i++)
        {
            int offset = random.Next(0, 1_000_100), count = random.Next(1, 70_000);
            script.Append($"cmp <(tail -c +{offset + 1} {Run.Quote(plain)}/f | head -c {count}) " +
                          $"<(tail -c +{offset + 1} {Run.Quote(mount.MountPoint)}/f | head -c {count})\n");
        }
        script.Append($"cmp {Run.Quote(plain)}/small {Run.Quote(mount.MountPoint)}/small\n");
        Run.Ok(script.ToString());
    }

    [Test]
    public void Mount_FileWithAFlippedByte_AnswersEioLogsItOnceAndServesTheRest()
    {
        using var dir = new TestDirectory();
        var (plain, copy, _) = Fwd.GocryptfsBackup(dir, "head -c 50000 /dev/urandom > damaged; head -c 50000 /dev/urandom > intact");
        using var core = Fwd.OpenCore(copy);
        var damagedCipher = Run.Ok($"cd {Run.Quote(copy)} && find . -type f -size +40k | LC_ALL=C sort").Split('\n')[0];
        // Which of the two cipher files is which: decrypting names is the subject under test, so ask the mount.
        var logger = new CapturingLogger();
        Run.Ok($"printf '\\xff' | dd of={Run.Quote(Path.Combine(copy, damagedCipher))} bs=1 seek=30000 conv=notrunc status=none");
        using var mount = new MountedForward(copy, core, dir.Sub("ours"), logger);
        var results = new[] { "damaged", "intact" }.ToDictionary(n => n,
            n => Run.Shell($"cat {Run.Quote(Path.Combine(mount.MountPoint, n))} > /dev/null"));
        var failed = results.Where(r => r.Value.ExitCode != 0).Select(r => r.Key).ToList();
        Assert.That(failed, Has.Count.EqualTo(1), "exactly the damaged file fails");
        Assert.That(results[failed[0]].Stderr, Does.Contain("Input/output error"));
        var good = failed[0] == "damaged" ? "intact" : "damaged";
        Run.Ok($"cmp {Run.Quote(Path.Combine(plain, good))} {Run.Quote(Path.Combine(mount.MountPoint, good))}");
        // Reading it again (and the part before the bad block) does not log it again.
        Run.Shell($"cat {Run.Quote(Path.Combine(mount.MountPoint, failed[0]))} > /dev/null; head -c 4096 {Run.Quote(Path.Combine(mount.MountPoint, failed[0]))} > /dev/null");
        var errors = logger.MessagesAtLeast(LogLevel.Error);
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.Contain(damagedCipher.TrimStart('.', '/')).And.Contain(failed[0]));
        // The first block is intact: reading only it works (no unauthenticated byte, but nothing withheld either).
        Run.Ok($"cmp <(head -c 4096 {Run.Quote(Path.Combine(plain, failed[0]))}) <(dd if={Run.Quote(Path.Combine(mount.MountPoint, failed[0]))} bs=4096 count=1 iflag=direct status=none)");
    }
}
