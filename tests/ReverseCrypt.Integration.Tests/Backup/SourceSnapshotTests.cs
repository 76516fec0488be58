using System.Diagnostics;
using ReverseCrypt.Interop;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// `backup --source-snapshot btrfs|lvm` on real filesystems: a btrfs filesystem on a loop device (the source a
/// subvolume), and an ext4 filesystem on an LVM logical volume whose physical volume is a loop device. The backup of
/// the snapshot is byte-identical to a backup of the source itself (same cipher paths and contents), and the snapshot
/// is gone after a success, a failure (a full destination) and a SIGTERM; one left by a SIGKILL is removed by the next
/// run. Every loop device, mount, logical volume and volume group is removed in the teardown, also on failure.
/// </summary>
[Category("Mount")]
[NonParallelizable]
public class SourceSnapshotTests : BackupFixture
{
    private readonly List<string> _mounts = [];
    private readonly List<string> _loops = [];
    private string? _volumeGroup;
    private string _source = null!;

    [TearDown]
    public void TearDown()
    {
        try
        {
            foreach (var dir in Enumerable.Reverse(_mounts))
            {
                // Whatever a failed run left mounted below (an LVM snapshot lives under the runtime directory).
                Run.Program("umount", ["-l", dir]);
            }
            if (_volumeGroup is not null)
            {
                foreach (var line in Run.Program("findmnt", ["-n", "-l", "-o", "TARGET,SOURCE"]).Stdout.Split('\n'))
                {
                    if (line.Contains("/dev/mapper/" + _volumeGroup + "-", StringComparison.Ordinal) || line.Contains("/dev/" + _volumeGroup + "/", StringComparison.Ordinal))
                        Run.Program("umount", ["-l", line.Split(' ', 2)[0]]);
                }
                Run.Program("vgremove", ["-q", "-f", _volumeGroup]);
            }
            foreach (var loop in _loops)
            {
                if (_volumeGroup is not null) Run.Program("pvremove", ["-q", "-f", loop]);
                Run.Program("losetup", ["-d", loop]);
            }
        }
        finally
        {
            _mounts.Clear();
            _loops.Clear();
            _volumeGroup = null;
        }
    }

    private static string LoopImage(string path, long size)
    {
        using (var file = new FileStream(path, FileMode.CreateNew)) file.SetLength(size);
        return Run.ProgramOk("losetup", ["-f", "--show", path]).Stdout.Trim();
    }

    /// <summary>A btrfs filesystem on a loop device, with the subvolume "src" below its top as the source.</summary>
    private void BtrfsSource()
    {
        Require.Root();
        Require.Tool("mkfs.btrfs");
        var mnt = _s.Sub("btrfs");
        var loop = LoopImage(Path.Combine(_s.Root, "btrfs.img"), 256L << 20);
        _loops.Add(loop);
        Run.ProgramOk("mkfs.btrfs", ["-q", loop]);
        Run.ProgramOk("mount", [loop, mnt]);
        _mounts.Add(mnt);
        _source = Path.Combine(mnt, "src");
        Run.ProgramOk("btrfs", ["subvolume", "create", _source]);
        FillAndInit();
    }

    /// <summary>ext4 on an LVM logical volume on a loop device; the source is a directory below its root, so that the
    /// view's root in the snapshot is the same relative directory.</summary>
    private void LvmSource()
    {
        Require.Root();
        Require.Tool("lvcreate");
        if (!File.ReadAllText("/proc/misc").Contains("device-mapper", StringComparison.Ordinal))
            Require.Missing("the kernel has no device-mapper (LVM snapshots need dm-snapshot)");
        var loop = LoopImage(Path.Combine(_s.Root, "lvm.img"), 256L << 20);
        _loops.Add(loop);
        _volumeGroup = "rctest" + Environment.ProcessId + "x" + Random.Shared.Next(100000);
        Run.ProgramOk("pvcreate", ["-q", loop]);
        Run.ProgramOk("vgcreate", ["-q", _volumeGroup, loop]);
        Run.ProgramOk("lvcreate", ["-q", "-y", "-L", "128M", "-n", "data", _volumeGroup]);
        Run.ProgramOk("mkfs.ext4", ["-q", $"/dev/{_volumeGroup}/data"]);
        var mnt = _s.Sub("lvm");
        Run.ProgramOk("mount", [$"/dev/{_volumeGroup}/data", mnt]);
        _mounts.Add(mnt);
        _source = Path.Combine(mnt, "srv", "data");
        Directory.CreateDirectory(_source);
        FillAndInit();
    }

    private void FillAndInit()
    {
        BackupTree.CreateHardCases(_source, withBigFile: false);
        var r = Run.Cli("init", "--reverse", "--scryptn", "10", "--passfile", _s.Passfile, _source);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
    }

    private ProcessResult Backup(string dest, params string[] options) =>
        _s.Cli(["backup", "--passfile", _s.Passfile, .. options, _source, dest]);

    /// <summary>Every path below DIR with its type, mode, link target and, for regular files, its bytes' hash
    /// (the cipher tree's identity). Special files are never opened.</summary>
    private static SortedDictionary<string, string> Listing(string dir)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var find = Run.ProgramOk("find", [dir, "-mindepth", "1", "-printf", "%P\\t%y %m %l\\n"]).Stdout;
        foreach (var line in find.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var (relative, attributes) = (line.Split('\t')[0], line.Split('\t')[1]);
            // The destination's own bookkeeping (lock, rsync's temporary directory) is not the backup.
            if (relative == ".reversecrypt" || relative.StartsWith(".reversecrypt/", StringComparison.Ordinal)) continue;
            result[relative] = attributes.StartsWith("f ", StringComparison.Ordinal)
                ? attributes + " " + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, relative))))
                : attributes;
        }
        return result;
    }

    private string[] LeftSnapshots(string kind)
    {
        if (kind == "btrfs")
        {
            var list = Run.ProgramOk("btrfs", ["subvolume", "list", _mounts[0]]).Stdout;
            return [.. list.Split('\n').Where(l => l.Contains(".reversecrypt-snap-", StringComparison.Ordinal))];
        }
        var lvs = Run.ProgramOk("lvs", ["--noheadings", "-o", "lv_name", _volumeGroup!]).Stdout;
        var mounted = Run.Program("findmnt", ["-n", "-l", "-o", "TARGET"]).Stdout;
        return [.. lvs.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("reversecrypt-snap-", StringComparison.Ordinal)),
            .. mounted.Split('\n').Where(l => l.Contains(".reversecrypt-snap-", StringComparison.Ordinal))];
    }

    private void Source(string kind)
    {
        if (kind == "btrfs") BtrfsSource();
        else LvmSource();
    }

    [TestCase("btrfs")]
    [TestCase("lvm", Category = "DeviceMapper")]
    public void Success_SameBackupAsTheSourceItself_SnapshotRemoved_VerifyOk(string kind)
    {
        Source(kind);
        var viaSnapshot = Path.Combine(_s.Root, "via-snapshot");
        var direct = Path.Combine(_s.Root, "direct");
        var mtimeBefore = Run.ProgramOk("stat", ["-c", "%.9Y", _source]).Stdout;
        var r = Backup(viaSnapshot, "--source-snapshot", kind);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(LeftSnapshots(kind), Is.Empty, "the snapshot is removed after a success");
        Assert.That(Run.ProgramOk("stat", ["-c", "%.9Y", _source]).Stdout, Is.EqualTo(mtimeBefore), "the source is not touched");
        var plain = Backup(direct);
        Assert.That(plain.ExitCode, Is.EqualTo(0), plain.ToString());
        var a = Listing(viaSnapshot);
        Assert.That(a.Keys, Does.Contain("gocryptfs.conf"));
        Assert.That(a, Is.EqualTo(Listing(direct)), "the same cipher paths and bytes as a backup of the source itself");
        var verify = _s.Cli("verify", "--passfile", _s.Passfile, _source, viaSnapshot);
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.ToString());
    }

    [TestCase("btrfs")]
    [TestCase("lvm", Category = "DeviceMapper")]
    public void Failure_FullDestination_Exit45_SnapshotRemoved(string kind)
    {
        Source(kind);
        Assert.That(Run.Shell($"head -c 6M /dev/urandom > '{_source}/big.bin'").ExitCode, Is.EqualTo(0));
        var dest = _s.Sub("small-dest");
        Run.ProgramOk("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dest]);
        _mounts.Add(dest);
        var r = Backup(dest, "--source-snapshot", kind);
        Assert.That(r.ExitCode, Is.EqualTo(45), r.ToString());
        Assert.That(LeftSnapshots(kind), Is.Empty, "the snapshot is removed after a failure");
    }

    [TestCase("btrfs")]
    [TestCase("lvm", Category = "DeviceMapper")]
    public void Sigterm_SnapshotRemoved_Exit130(string kind)
    {
        Source(kind);
        Assert.That(Run.Shell($"head -c 24M /dev/urandom > '{_source}/big.bin'").ExitCode, Is.EqualTo(0));
        var dest = Path.Combine(_s.Root, "dest-term");
        using var process = _s.StartBackup("--source-snapshot", kind, "--bwlimit", "1M", _source, dest);
        WaitForTransfer(process);
        Assert.That(LeftSnapshots(kind), Is.Not.Empty, "the snapshot exists while the view serves it");
        Assert.That(Libc.Kill(process.Id, Libc.SIGTERM), Is.EqualTo(0));
        Assert.That(process.WaitForExit(60_000), Is.True, "the backup did not stop after SIGTERM");
        Assert.That(process.ExitCode, Is.EqualTo(130), process.StandardError.ReadToEnd());
        Assert.That(LeftSnapshots(kind), Is.Empty, "the snapshot is removed after SIGTERM");
    }

    [Test]
    public void Sigkill_LeavesTheSnapshot_TheNextRunRemovesIt()
    {
        BtrfsSource();
        Assert.That(Run.Shell($"head -c 24M /dev/urandom > '{_source}/big.bin'").ExitCode, Is.EqualTo(0));
        var dest = Path.Combine(_s.Root, "dest-kill");
        using (var process = _s.StartBackup("--source-snapshot", "btrfs", "--bwlimit", "1M", _source, dest))
        {
            WaitForTransfer(process);
            // The whole process tree, as the OOM killer or a power loss would: nothing cleans up.
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        // The view the killed run left is served by nobody now; the next run unmounts it and removes the snapshot.
        Assert.That(LeftSnapshots("btrfs"), Has.Length.EqualTo(1), "a SIGKILL leaves the snapshot");
        var r = Backup(dest, "--source-snapshot", "btrfs");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Stderr, Does.Contain("removed the source snapshot").And.Contain("left by a killed run"));
        Assert.That(LeftSnapshots("btrfs"), Is.Empty);
        Assert.That(Directory.Exists(SourceSnapshot.BtrfsPath(_source, dest)), Is.False);
    }

    [Category("TransportAgnostic")] // a refused source: exit code and message
    [Test]
    public void NotASubvolume_Exit49_NothingSent()
    {
        Require.Root();
        File.WriteAllText(Path.Combine(_s.Plain, "a.txt"), "a\n");
        _s.Init();
        _source = _s.Plain;
        var dest = Path.Combine(_s.Root, "dest-none");
        var r = Backup(dest, "--source-snapshot", "btrfs");
        Assert.That(r.ExitCode, Is.EqualTo(49), r.ToString());
        Assert.That(r.Stderr, Does.Contain("is not a btrfs subvolume"));
        Assert.That(Directory.Exists(dest) ? Directory.EnumerateFiles(dest, "*.conf", SearchOption.AllDirectories) : [], Is.Empty);
        var bad = Backup(dest, "--source-snapshot", "zfs");
        Assert.That(bad.ExitCode, Is.EqualTo(2), bad.ToString());
    }

    private void WaitForTransfer(Process process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && !process.HasExited && _s.ViewMounts.Count == 0) Thread.Sleep(100);
        Thread.Sleep(1500);
        if (process.HasExited) Assert.Fail("the backup ended before it could be interrupted: " + process.StandardError.ReadToEnd());
    }
}
