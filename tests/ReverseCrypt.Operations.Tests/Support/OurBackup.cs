using ReverseCrypt.Crypto;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Operations.Tests.Support;

/// <summary>Backups made from ReverseCrypt's own reverse view (mounted in this process) with rsync -aHAX.</summary>
public static class OurBackup
{
    /// <summary>
    /// Writes a reverse config into <paramref name="plainDir"/> (unless there is one), mounts our reverse view at
    /// <paramref name="scratchMount"/>, copies it with rsync -aHAX into <paramref name="copyDir"/> and unmounts.
    /// Returns the core (the caller disposes it).
    /// </summary>
    public static CryptoCore BackupWithRsync(string plainDir, string copyDir, string scratchMount)
    {
        Require.Tool("rsync");
        var configPath = Path.Combine(plainDir, ".gocryptfs.reverse.conf");
        if (!File.Exists(configPath))
        {
            using var newKey = MasterKey.Generate();
            ConfFile.Create(newKey, Encoding.UTF8.GetBytes(Gocryptfs.Password), new ConfCreateOptions(Reverse: true, ScryptLogN: 10))
                .WriteNew(configPath);
        }
        var core = Gocryptfs.OpenCore(configPath);
        Directory.CreateDirectory(copyDir);
        using (var view = new MountedReverse(plainDir, core, scratchMount))
        {
            Gocryptfs.RsyncCopy(view.MountPoint, copyDir);
        }
        return core;
    }
}
