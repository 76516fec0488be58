namespace ReverseCrypt.Integration.Tests;

/// <summary>The real gocryptfs, our oracle.</summary>
public static class Gocryptfs
{
    /// <summary>Mounts with gocryptfs (extra args before the dirs); the caller's TempDir unmounts it on dispose.</summary>
    public static void Mount(string[] args, string source, string mountPoint)
    {
        Require.Tool("gocryptfs");
        Require.Fuse();
        var r = Run.Program("gocryptfs", [.. args, "-q", source, mountPoint]);
        Assert.That(r.ExitCode, Is.EqualTo(0), "gocryptfs mount failed: " + r);
    }

    public static void Unmount(string mountPoint) => Run.Program("fusermount3", ["-u", mountPoint]);

    /// <summary>gocryptfs-xray -dumpmasterkey CONF (password on stdin): the key as 64 hex digits.</summary>
    public static string DumpMasterKey(string configPath, string password)
    {
        Require.Tool("gocryptfs-xray");
        var r = Run.Program("gocryptfs-xray", ["-dumpmasterkey", configPath], stdin: password + "\n");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var hex = new string(r.Stdout.Where(Uri.IsHexDigit).ToArray()).ToLowerInvariant();
        Assert.That(hex, Has.Length.EqualTo(64), "unexpected gocryptfs-xray output: " + r);
        return hex;
    }

    public static string Hex(string text) => new string(text.Where(Uri.IsHexDigit).ToArray()).ToLowerInvariant();
}
