using System.Globalization;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// Issue 13 item 3 end to end over a real sshd on 127.0.0.1: an 8 GiB sparse file with 1 MiB of data costs less than
/// 16 MiB on the wire (rsync's bytes sent plus received) and on the remote disk, on the first backup and on a nightly
/// after data was written into a hole; `restore --from` brings it back sparse and identical, and gocryptfs -ro reads
/// the remote copy. A control run with --no-sparse shows that the measurement can tell.
/// </summary>
[Category("Mount"), Category("Ssh")]
[NonParallelizable]
public class SparseBackupTests : SshBackupFixture
{
    private const long Size = 8L << 30;
    private const long Limit = 16L << 20;


    private static long DiskUsage(string path) =>
        long.Parse(Run.Ok($"du -s -B1 {Run.Quote(path)} | cut -f1").Trim(), CultureInfo.InvariantCulture);

    private static long Wire(System.Text.Json.JsonElement summary) =>
        summary.GetProperty("bytes_sent").GetInt64() + summary.GetProperty("bytes_received").GetInt64();

    private static void WriteAt(string path, long offset, byte[] data)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = offset;
        file.Write(data);
    }

    /// <remarks>Category TransportAgnostic: in the /dev/fuse pass only (tests/run). What it measures is rsync's and
    /// ssh's handling of the zero blocks, not the FUSE transport; the io_uring pass still reads sparse files through
    /// the view (ReverseMountTests). It reads 8 GiB through the view, about 100 s.</remarks>
    [Test]
    [Category("TransportAgnostic")]
    public void EightGiBWithOneMiBOfData_CostsLittleOnTheWireAndOnDisk_FirstAndNightly_RestoresSparseAndIdentical()
    {
        var big = Path.Combine(_s.Plain, "sparse-8g");
        using (var file = new FileStream(big, FileMode.CreateNew))
        {
            file.SetLength(Size);
        }
        // 1 MiB of data in 16 pieces of 64 KiB spread over the file, none at a block boundary of the view.
        for (int i = 0; i < 16; i++)
        {
            WriteAt(big, (i * (Size / 16)) + 12345, BackupTree.RandomBytes(64 << 10));
        }
        File.WriteAllText(Path.Combine(_s.Plain, "small.txt"), "small\n");
        Assert.That(DiskUsage(big), Is.LessThan(2L << 20), "the source is sparse");
        _s.Init();

        var (first, summary1) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        long wire1 = Wire(summary1);
        long disk1 = DiskUsage(_s.Dest);
        TestContext.Progress.WriteLine($"first backup: {wire1} bytes on the wire, {disk1} bytes on the remote disk");
        Assert.That(wire1, Is.LessThan(Limit), "first backup: the holes do not cross the wire");
        Assert.That(disk1, Is.LessThan(Limit), "first backup: the holes cost no remote disk");

        // Nightly: 8 KiB of new data written into a hole in the middle.
        WriteAt(big, (Size / 2) + (3 << 20), BackupTree.RandomBytes(8 << 10));
        var (second, summary2) = _s.Backup(_s.Remote, "--snapshots", "--ssh", _ssh.SshCommand);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(summary2.GetProperty("files_transferred").GetInt64(), Is.EqualTo(1));
        long wire2 = Wire(summary2);
        long disk2 = DiskUsage(_s.Dest);
        TestContext.Progress.WriteLine($"nightly: {wire2} bytes on the wire, {disk2} bytes on the remote disk (both snapshots)");
        Assert.That(wire2, Is.LessThan(Limit), "nightly: the holes do not cross the wire");
        Assert.That(disk2, Is.LessThan(2 * Limit), "nightly: two snapshots of the file, each under 16 MiB");
        Assert.That(disk2 - disk1, Is.LessThan(Limit), "nightly: the new snapshot costs less than 16 MiB");

        // Restore over ssh: sparse and identical.
        var restored = _s.Sub("restored");
        var r = _s.Cli("restore", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, "--from", _s.Remote, restored);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var restoredBig = Path.Combine(restored, "sparse-8g");
        Assert.That(new FileInfo(restoredBig).Length, Is.EqualTo(Size));
        Assert.That(DiskUsage(restoredBig), Is.LessThan(Limit), "restored sparse");
        Assert.That(Run.Program("cmp", [big, restoredBig], timeout: TimeSpan.FromMinutes(10)).ExitCode, Is.Zero, "restored identical");

        // gocryptfs -ro reads the remote copy.
        var mnt = _s.Sub("gocryptfs-ro");
        Gocryptfs.Mount(["-ro", "-passfile", _s.Passfile], Path.Combine(_s.Dest, "latest"), mnt);
        try
        {
            var cmp = Run.Program("cmp", [big, Path.Combine(mnt, "sparse-8g")], timeout: TimeSpan.FromMinutes(10));
            Assert.That(cmp.ExitCode, Is.Zero, "gocryptfs -ro reads the copy: " + cmp);
        }
        finally
        {
            Gocryptfs.Unmount(mnt);
        }
    }

    [Test]
    public void NoSparse_SendsTheHolesEncrypted_TheControlOfTheMeasurement()
    {
        var file = Path.Combine(_s.Plain, "sparse-64m");
        using (var f = new FileStream(file, FileMode.CreateNew))
        {
            f.SetLength(64L << 20);
        }
        WriteAt(file, 100, BackupTree.RandomBytes(4096));
        _s.Init();

        var (strict, summary) = _s.Backup(_s.Remote, "--no-sparse", "--ssh", _ssh.SshCommand);
        Assert.That(strict.ExitCode, Is.EqualTo(0), strict.ToString());
        Assert.That(Wire(summary), Is.GreaterThan(64L << 20), "every block encrypted: incompressible on the wire");
        Assert.That(DiskUsage(_s.Dest), Is.GreaterThan(64L << 20), "and on disk");

        var verify = _s.Cli("verify", "--passfile", _s.Passfile, "--no-sparse", "--ssh", _ssh.SshCommand, _s.Plain, _s.Remote);
        Assert.That(verify.ExitCode, Is.EqualTo(0), "verify --no-sparse finds the copy identical: " + verify);
        var sparseVerify = _s.Cli("verify", "--passfile", _s.Passfile, "--ssh", _ssh.SshCommand, _s.Plain, _s.Remote);
        Assert.That(sparseVerify.ExitCode, Is.EqualTo(30), "the sparse view differs from a --no-sparse copy: " + sparseVerify);
    }
}
