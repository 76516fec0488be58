namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// Plaintext trees for the backup tests: the hard cases a server holds (<see cref="HardCaseScript"/>: sizes around the
/// block size, long and odd names, symlinks, FIFOs, device nodes, setuid, foreign owners, old and future times, hard
/// links, xattrs, ACLs) plus deep nesting, a file to flip and one 64 MiB file of random bytes.
/// </summary>
public static class BackupTree
{
    public const string BigFile = "data/big.bin";
    public const long BigSize = 64L << 20;
    public const string FlipFile = "notes/flip-me.txt";
    public const int FlipSize = 100_000;

    public static void CreateHardCases(string plain, bool withBigFile = true) => HardCaseScript.Create(plain, $$"""
        mkdir -p data notes deep/a/b/c/d/e/f/g/h
        head -c 1048577 /dev/urandom > data/size1MiB+1
        head -c {{FlipSize}} /dev/urandom > '{{FlipFile}}'
        {{(withBigFile ? $"head -c {BigSize} /dev/urandom > '{BigFile}'" : ":")}}
        echo quote > "it's \"quoted\""
        echo deep > deep/a/b/c/d/e/f/g/h/file
        touch -d '2001-02-03 04:05:06.789' deep
        """);

    /// <summary>Overwrites one 4 KiB block of the big file (block 1000) and keeps everything else.</summary>
    public static void ChangeOneBlock(string plain)
    {
        var r = Run.Shell($"head -c 4096 /dev/urandom | dd of='{plain}/{BigFile}' bs=4096 seek=1000 conv=notrunc status=none");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
    }

    /// <summary>
    /// Differences between two plaintext trees as the independent oracle (tests/tree-manifest.py) sees them: names as
    /// bytes, types, modes, owners, device numbers, sizes, mtimes to the nanosecond (rsync -c without
    /// --modify-window=-1 could not see a lost sub-second part, and rsync is what made the copy), hard links, xattrs,
    /// ACLs, contents by SHA-256; the config file is left out. Empty: equal.
    /// </summary>
    public static IReadOnlyList<string> Differences(string expected, string actual) =>
        TreeManifest.Compare(expected.TrimEnd('/'), actual.TrimEnd('/'), skipRootNames: ".gocryptfs.reverse.conf");

    /// <summary>Random (incompressible) bytes for test files.</summary>
    public static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
