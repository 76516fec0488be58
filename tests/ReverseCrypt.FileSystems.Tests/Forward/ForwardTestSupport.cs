namespace ReverseCrypt.FileSystems.Tests.Forward;

/// <summary>Encrypted trees for the forward-view tests, made by `gocryptfs -reverse` and copied with rsync.</summary>
public static class Fwd
{
    /// <summary>
    /// A plaintext tree made with shell tools (<paramref name="buildScript"/> runs in it), its `gocryptfs -reverse`
    /// view copied with rsync -aHAX, and the password file. Returns (plain, copy, passfile).
    /// </summary>
    public static (string Plain, string Copy, string PassFile) GocryptfsBackup(TestDirectory dir, string buildScript)
    {
        var plain = dir.Sub("plain");
        Run.Ok($"cd {Run.Quote(plain)} && {buildScript}");
        var copy = dir.Child("copy");
        var passFile = Gocryptfs.BackupWithRsync(plain, copy, dir.Child("view"));
        return (plain, copy, passFile);
    }

    /// <summary>The ciphers of a copy made by <see cref="GocryptfsBackup"/>.</summary>
    public static CryptoCore OpenCore(string copy) => Gocryptfs.OpenCore(Path.Combine(copy, "gocryptfs.conf"));
}
