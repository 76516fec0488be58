using System.Text;
using ReverseCrypt.Crypto;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Operations.Tests.TestSupport;

/// <summary>The real gocryptfs (2.3 here), producer of encrypted trees and reference reader.</summary>
public static class Gocryptfs
{
    public const string Password = "test password 1";

    /// <summary>Writes a passfile next to <paramref name="dir"/> (in its parent) and returns its path.</summary>
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

    public static void MountReverse(string plainDir, string mountPoint)
    {
        Require.Fuse();
        var r = Run.Program("gocryptfs", ["-reverse", "-q", "-passfile", PassFile(plainDir), plainDir, mountPoint]);
        Assert.That(r.ExitCode, Is.EqualTo(0), "gocryptfs -reverse failed: " + r);
    }

    /// <summary>gocryptfs -ro on an encrypted tree (the reference forward reader).</summary>
    public static void MountReadOnly(string cipherDir, string mountPoint, string passFile)
    {
        Require.Fuse();
        var r = Run.Program("gocryptfs", ["-ro", "-q", "-passfile", passFile, cipherDir, mountPoint]);
        Assert.That(r.ExitCode, Is.EqualTo(0), "gocryptfs -ro failed: " + r);
    }

    public static void Unmount(string mountPoint)
    {
        var r = Run.Program("fusermount3", ["-u", mountPoint]);
        if (r.ExitCode != 0)
        {
            Run.Program("fusermount3", ["-uz", mountPoint]);
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
            // rsync -H can make a hard link in a directory after it has set that directory's mtime (seen with the
            // root); a second pass with nanosecond comparison (as every later backup does) fixes the times.
            var rsync = $"rsync -aHAX --modify-window=-1 {Run.Quote(scratchMount + "/")} {Run.Quote(copyDir + "/")}";
            Run.Ok($"touch -d @0 {Run.Quote(copyDir)} && {rsync} && {rsync}", TimeSpan.FromMinutes(5));
        }
        finally
        {
            Unmount(scratchMount);
        }
        return PassFile(plainDir);
    }

    /// <summary>Unlocks a config with <see cref="Password"/> and derives the ciphers.</summary>
    public static CryptoCore OpenCore(string configPath)
    {
        var conf = ConfFile.Load(configPath);
        using var key = conf.Unlock(Encoding.UTF8.GetBytes(Password));
        return CryptoCore.Create(key, conf.ToFormatOptions());
    }
}

/// <summary>The key of the shared vectors (000102…1f) with the reverse defaults.</summary>
public static class VectorKey
{
    public static CryptoCore OpenCore(FormatOptions? options = null)
    {
        var bytes = new byte[32];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)i;
        }
        using var key = MasterKey.FromBytes(bytes);
        return CryptoCore.Create(key, options ?? FormatOptions.ReverseDefaults);
    }

    /// <summary>Extracts a tar from the test's Vectors folder into <paramref name="dir"/> (numeric owners kept).</summary>
    public static string Extract(string tarName, string dir)
    {
        Directory.CreateDirectory(dir);
        var tar = Path.Combine(AppContext.BaseDirectory, "Vectors", tarName);
        Run.Ok($"tar --numeric-owner -xpf {Run.Quote(tar)} -C {Run.Quote(dir)}");
        return dir;
    }
}
