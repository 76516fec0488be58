using System.Text;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.TestSupport;

/// <summary>The real gocryptfs (2.3 here): our oracle, producer of encrypted trees and reference reader.</summary>
public static class Gocryptfs
{
    public const string Password = "test password 1";

    /// <summary>Writes a passfile with <see cref="Password"/> next to <paramref name="dir"/> (in its parent) and returns
    /// its path.</summary>
    public static string PassFile(string dir)
    {
        var path = Path.Combine(Path.GetDirectoryName(dir.TrimEnd('/'))!, "passfile");
        File.WriteAllText(path, Password + "\n");
        return path;
    }

    /// <summary>gocryptfs -init -reverse (scrypt N = 2^10 to keep tests fast) with extra flags.</summary>
    public static void InitReverse(string plainDir, params string[] extra)
    {
        Require.Tool("gocryptfs");
        var r = Run.Program("gocryptfs", ["-init", "-reverse", "-q", "-scryptn", "10", "-passfile", PassFile(plainDir), .. extra, plainDir]);
        Assert.That(r.ExitCode, Is.EqualTo(0), "gocryptfs -init failed: " + r);
    }

    /// <summary>gocryptfs -q OPTIONS SOURCE MOUNTPOINT; fails unless it exits 0 and the mount is there.</summary>
    public static void Mount(string[] options, string source, string mountPoint)
    {
        Require.Tool("gocryptfs");
        Require.Tool("fusermount3");
        Require.Fuse();
        var r = Run.Program("gocryptfs", ["-q", .. options, source, mountPoint], timeout: TimeSpan.FromMinutes(2));
        Assert.That(r.ExitCode, Is.EqualTo(0), () => $"gocryptfs {string.Join(' ', options)} {source} {mountPoint} failed: {r}");
        Assert.That(Mounts.IsMounted(mountPoint), Is.True, $"gocryptfs did not mount {mountPoint}");
    }

    /// <summary>The reverse view of <paramref name="plainDir"/> with the passfile of <see cref="InitReverse"/>.</summary>
    public static void MountReverse(string plainDir, string mountPoint) =>
        Mount(["-reverse", "-passfile", PassFile(plainDir)], plainDir, mountPoint);

    /// <summary>gocryptfs -ro on an encrypted tree (the reference forward reader).</summary>
    public static void MountReadOnly(string cipherDir, string mountPoint, string passFile) =>
        Mount(["-ro", "-passfile", passFile], cipherDir, mountPoint);

    /// <summary>Unmounts even a busy or dead mount: fusermount3 -u, then a lazy detach while it is still there.</summary>
    public static void Unmount(string mountPoint)
    {
        if (!Mounts.IsMounted(mountPoint))
        {
            return;
        }
        if (Run.Program("fusermount3", ["-u", mountPoint]).ExitCode != 0 || Mounts.IsMounted(mountPoint))
        {
            Mounts.Detach(mountPoint);
        }
    }

    /// <summary>
    /// A backup as users make it: init (unless a config exists), mount the reverse view, rsync -aHAX it into
    /// <paramref name="copyDir"/>, unmount. Returns the password file.
    /// </summary>
    public static string BackupWithRsync(string plainDir, string copyDir, string scratchMount, params string[] initFlags)
    {
        Require.Tool("rsync");
        if (!File.Exists(Path.Combine(plainDir, ".gocryptfs.reverse.conf")))
        {
            InitReverse(plainDir, initFlags);
        }
        Directory.CreateDirectory(scratchMount);
        Directory.CreateDirectory(copyDir);
        MountReverse(plainDir, scratchMount);
        try
        {
            RsyncCopy(scratchMount, copyDir);
        }
        finally
        {
            Unmount(scratchMount);
        }
        return PassFile(plainDir);
    }

    /// <summary>
    /// rsync -aHAX of a reverse view into <paramref name="copyDir"/>, twice: rsync -H can make a hard link in a
    /// directory after it has set that directory's mtime (seen with the root); a second pass with nanosecond
    /// comparison (as every later backup does) fixes the times.
    /// </summary>
    public static void RsyncCopy(string view, string copyDir)
    {
        var rsync = $"rsync -aHAX --modify-window=-1 {Run.Quote(view + "/")} {Run.Quote(copyDir + "/")}";
        Run.Ok($"touch -d @0 {Run.Quote(copyDir)} && {rsync} && {rsync}", TimeSpan.FromMinutes(5));
    }

    /// <summary>Unlocks a config with <see cref="Password"/> and derives the ciphers.</summary>
    public static CryptoCore OpenCore(string configPath)
    {
        var conf = ConfFile.Load(configPath);
        using var key = conf.Unlock(Encoding.UTF8.GetBytes(Password));
        return CryptoCore.Create(key, conf.ToFormatOptions());
    }

    /// <summary>gocryptfs-xray -dumpmasterkey CONF (password on stdin): the key as 64 lowercase hex digits.</summary>
    public static string DumpMasterKey(string configPath, string password)
    {
        Require.Tool("gocryptfs-xray");
        var r = Run.Program("gocryptfs-xray", ["-dumpmasterkey", configPath], stdin: password + "\n");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var hex = Hex(r.Stdout);
        Assert.That(hex, Has.Length.EqualTo(64), "unexpected gocryptfs-xray output: " + r);
        return hex;
    }

    /// <summary>The hex digits of <paramref name="text"/>, lowercase.</summary>
    public static string Hex(string text) => new string(text.Where(Uri.IsHexDigit).ToArray()).ToLowerInvariant();
}

/// <summary>A gocryptfs mount (reverse or forward) made by the gocryptfs binary; disposing unmounts it.</summary>
public sealed class GocryptfsMount : IDisposable
{
    public GocryptfsMount(string[] options, string source, string mountPoint)
    {
        MountPoint = mountPoint;
        Gocryptfs.Mount(options, source, mountPoint);
    }

    public string MountPoint { get; }

    public void Dispose() => Gocryptfs.Unmount(MountPoint);
}
