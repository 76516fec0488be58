namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// Plaintext trees for the backup tests: the hard cases a server holds (sizes around the block size, long and odd
/// names, symlinks, FIFOs, device nodes, setuid, foreign owners, old and future times, hard links, xattrs, ACLs,
/// deep nesting) plus one 64 MiB file of random bytes.
/// </summary>
public static class BackupTree
{
    public const string BigFile = "data/big.bin";
    public const long BigSize = 64L << 20;
    public const string FlipFile = "notes/flip-me.txt";
    public const int FlipSize = 100_000;

    public static void CreateHardCases(string plain, bool withBigFile = true)
    {
        var script = $$"""
            set -euo pipefail
            cd '{{plain}}'
            name() { head -c "$1" < /dev/zero | tr '\0' "$2"; }
            mkdir -p data notes sub empty deep/a/b/c/d/e/f/g/h
            : > size0
            head -c 1 /dev/urandom > size1
            head -c 4095 /dev/urandom > size4095
            head -c 4096 /dev/urandom > size4096
            head -c 4097 /dev/urandom > size4097
            head -c 1048577 /dev/urandom > data/size1MiB+1
            head -c {{FlipSize}} /dev/urandom > '{{FlipFile}}'
            {{(withBigFile ? $"head -c {BigSize} /dev/urandom > '{BigFile}'" : ":")}}
            printf x > "$(name 175 a)"
            printf y > "$(name 176 b)"
            printf z > "$(name 255 c)"
            mkdir "$(name 200 d)" && echo inside > "$(name 200 d)/$(name 180 e)"
            echo invalid > $'\xff\xfe not utf8'
            echo newline > $'new\nline'
            echo spaces > '  spaces  in  name  '
            echo quote > "it's \"quoted\""
            echo deep > deep/a/b/c/d/e/f/g/h/file
            ln -s size1 rel
            ln -s ../size1 sub/uplink
            ln -s /etc/hostname abs
            ln -s does/not/exist dangling
            mkfifo fifo
            mknod chardev c 1 3
            mknod blockdev b 7 200
            echo setuid > setuid && chmod 4755 setuid
            mkdir sticky && chmod 1777 sticky
            echo private > private && chmod 0600 private
            echo foreign > foreign && chown 12345:54321 foreign
            chown -h 23456:65432 rel
            echo hard > hard1 && ln hard1 hard2 && ln hard1 sub/hard3
            echo nanos > nanos && touch -d '@1700000000.123456789' nanos
            echo old > pre1970 && touch -d '1960-06-15 12:00:00.25' pre1970
            echo future > post2038 && touch -d '2100-01-01 00:00:00.5' post2038
            setfattr -n user.test -v hello size1
            setfattr -n user.empty size4095
            setfattr -n user.dirattr -v d sub
            setfacl -m u:12345:rw,g:54321:r size4096
            touch -d '2001-02-03 04:05:06.789' sub empty deep
            """;
        var r = Run.Program("/bin/bash", ["-c", script], timeout: TimeSpan.FromMinutes(2));
        Assert.That(r.ExitCode, Is.EqualTo(0), "creating the test tree failed: " + r);
    }

    /// <summary>Overwrites one 4 KiB block of the big file (block 1000) and keeps everything else.</summary>
    public static void ChangeOneBlock(string plain)
    {
        var r = Run.Shell($"head -c 4096 /dev/urandom | dd of='{plain}/{BigFile}' bs=4096 seek=1000 conv=notrunc status=none");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
    }

    /// <summary>
    /// Differences between two plaintext trees, as rsync itemizes them (content by checksum, types, modes, owners,
    /// mtimes, symlink targets, device numbers, hard links, xattrs, ACLs); the config file is left out. Empty: equal.
    /// </summary>
    public static IReadOnlyList<string> Differences(string expected, string actual)
    {
        var r = Run.Program("rsync", ["-aHAX", "--numeric-ids", "--delete", "-n", "-c", "-i", "--exclude=/.gocryptfs.reverse.conf",
            expected.TrimEnd('/') + "/", actual.TrimEnd('/') + "/"], timeout: TimeSpan.FromMinutes(5));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
