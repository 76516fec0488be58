using System.Text;
using ReverseCrypt.Crypto;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Format.Tests;

/// <summary>
/// Interoperability with the real gocryptfs 2.3: configs we write mount with gocryptfs -reverse and unlock with
/// gocryptfs-xray; configs gocryptfs writes load, unlock and serialize identically with ours.
/// </summary>
[Category("Gocryptfs")]
[NonParallelizable]
public class GocryptfsInteropTests
{
    private const string Password = "correct horse battery staple";
    private TestDirectory _scratch = null!;
    private string _mountPoint = null!;

    [SetUp]
    public void SetUp()
    {
        _scratch = new TestDirectory("rc-format-gocryptfs-");
        _mountPoint = _scratch.Sub("mnt");
    }

    [TearDown]
    public void TearDown()
    {
        Gocryptfs.Unmount(_mountPoint);
        _scratch.Dispose();
    }

    private string WritePassFile()
    {
        var passFile = Path.Combine(_scratch.Path, "passfile");
        File.WriteAllText(passFile, Password + "\n");
        return passFile;
    }

    private static byte[] KeyBytes(MasterKey key)
    {
        var bytes = new byte[32];
        key.ExportTo(bytes);
        return bytes;
    }

    [Test]
    [Category("Mount")]
    public void A_config_we_create_mounts_with_gocryptfs_reverse_and_xray_prints_our_key()
    {
        var plain = Directory.CreateDirectory(Path.Combine(_scratch.Path, "plain"));
        File.WriteAllText(Path.Combine(plain.FullName, "hello.txt"), "hello\n");
        var configPath = Path.Combine(plain.FullName, ".gocryptfs.reverse.conf");
        using var key = MasterKey.Generate();
        var conf = ConfFile.Create(key, Encoding.UTF8.GetBytes(Password), new ConfCreateOptions(Reverse: true, ScryptLogN: 10));
        conf.WriteNew(configPath);

        var xrayKey = Gocryptfs.DumpMasterKey(configPath, Password);
        Assert.That(xrayKey, Is.EqualTo(MasterKeyText.Format(key).Replace("-", "", StringComparison.Ordinal)));
        using (var parsed = MasterKeyText.Parse(xrayKey)) Assert.That(MasterKeyText.Format(parsed), Is.EqualTo(MasterKeyText.Format(key)));

        Gocryptfs.Mount(["-reverse", "-passfile", WritePassFile()], plain.FullName, _mountPoint);
        Assert.That(Mounts.IsMounted(_mountPoint), Is.True);

        // The view shows our config as gocryptfs.conf and names encrypted with our key.
        Assert.That(File.ReadAllBytes(Path.Combine(_mountPoint, "gocryptfs.conf")), Is.EqualTo(conf.Serialize()));
        Assert.That(File.ReadAllBytes(Path.Combine(_mountPoint, "gocryptfs.diriv")), Is.EqualTo(PathIv.RootDirIv.ToArray()));
        using var core = CryptoCore.Create(key, conf.ToFormatOptions());
        var names = new NameTransform(core);
        var cipherName = new byte[NameTransform.MaxCipherNameLength];
        var length = names.EncryptName("hello.txt"u8, PathIv.RootDirIv, cipherName);
        var expected = Encoding.ASCII.GetString(cipherName, 0, length);
        var listing = Directory.GetFileSystemEntries(_mountPoint).Select(Path.GetFileName).ToList();
        Assert.That(listing, Is.EquivalentTo(new[] { "gocryptfs.conf", "gocryptfs.diriv", expected }));
        Assert.That(new FileInfo(Path.Combine(_mountPoint, expected)).Length, Is.EqualTo(18 + 32 + 6));
    }

    private static IEnumerable<TestCaseData> InitVariants()
    {
        yield return new TestCaseData(Array.Empty<string>(), FormatOptions.ReverseDefaults).SetName("Gocryptfs_init_default");
        yield return new TestCaseData(new[] { "-deterministic-names" }, FormatOptions.ReverseDefaults with { DirIv = false, DeterministicNames = true })
            .SetName("Gocryptfs_init_deterministic_names");
        yield return new TestCaseData(new[] { "-longnamemax", "100" }, FormatOptions.ReverseDefaults with { LongNameMax = 100 })
            .SetName("Gocryptfs_init_longnamemax_100");
        yield return new TestCaseData(new[] { "-plaintextnames" }, FormatOptions.ReverseDefaults with { PlaintextNames = true, DirIv = false, Raw64 = false })
            .SetName("Gocryptfs_init_plaintextnames");
    }

    [TestCaseSource(nameof(InitVariants))]
    public void A_config_gocryptfs_creates_unlocks_with_ours(string[] initOptions, FormatOptions expectedOptions)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_scratch.Path, "init"));
        Run.ProgramOk("gocryptfs", ["-init", "-reverse", "-q", "-passfile", WritePassFile(), "-scryptn", "10", .. initOptions, dir.FullName]);
        var configPath = Path.Combine(dir.FullName, ".gocryptfs.reverse.conf");

        var conf = ConfFile.Load(configPath);
        Assert.That(conf.Serialize(), Is.EqualTo(File.ReadAllBytes(configPath)), "we write back gocryptfs's exact bytes");
        Assert.That(conf.ToFormatOptions(), Is.EqualTo(expectedOptions));
        Assert.That(conf.ScryptN, Is.EqualTo(1024));
        using var key = conf.Unlock(Encoding.UTF8.GetBytes(Password));
        Assert.That(MasterKeyText.Format(key).Replace("-", "", StringComparison.Ordinal), Is.EqualTo(Gocryptfs.DumpMasterKey(configPath, Password)));

        // Our Create with the same options writes the same flags and layout (only salt, key and Creator differ).
        var options = new ConfCreateOptions(Reverse: true, ScryptLogN: 10, Creator: conf.Creator,
            LongNameMax: initOptions.Contains("-longnamemax") ? 100 : 0,
            DeterministicNames: initOptions.Contains("-deterministic-names"), PlaintextNames: initOptions.Contains("-plaintextnames"));
        var ours = ConfFile.Create(key, Encoding.UTF8.GetBytes(Password), options);
        Assert.That(ours.FeatureFlags, Is.EqualTo(conf.FeatureFlags));
        Assert.That(ours.LongNameMax, Is.EqualTo(conf.LongNameMax));
        Assert.That(Mask(ours.Serialize()), Is.EqualTo(Mask(File.ReadAllBytes(configPath))));
    }

    [Test]
    public void Gocryptfs_accepts_a_config_we_rewrapped()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_scratch.Path, "init"));
        Run.ProgramOk("gocryptfs", ["-init", "-reverse", "-q", "-passfile", WritePassFile(), "-scryptn", "10", dir.FullName]);
        var configPath = Path.Combine(dir.FullName, ".gocryptfs.reverse.conf");
        var conf = ConfFile.Load(configPath);
        using var key = conf.Unlock(Encoding.UTF8.GetBytes(Password));
        conf.Rewrap(key, "a new password"u8);
        conf.Replace(configPath);
        Assert.That(Gocryptfs.DumpMasterKey(configPath, "a new password"), Is.EqualTo(MasterKeyText.Format(key).Replace("-", "", StringComparison.Ordinal)));
        Assert.That(Run.Program("gocryptfs-xray", ["-dumpmasterkey", configPath], Password + "\n").ExitCode, Is.Not.Zero, "old password refused");
    }

    [Test]
    public void Gocryptfs_reads_a_legacy_config_like_we_do()
    {
        var configPath = Path.Combine(_scratch.Path, "legacy.conf");
        File.WriteAllText(configPath, LegacyConfig.Build(VectorData.MasterKeyBytes, Encoding.UTF8.GetBytes(Password)));
        Assert.That(Gocryptfs.DumpMasterKey(configPath, Password), Is.EqualTo(VectorData.Primitives.Str("masterkey_hex")));
        using var key = ConfFile.Load(configPath).Unlock(Encoding.UTF8.GetBytes(Password));
        Assert.That(KeyBytes(key), Is.EqualTo(VectorData.MasterKeyBytes));
    }

    /// <summary>Replaces the random base64 values (EncryptedKey, Salt) so two configs can be compared by layout.</summary>
    private static string Mask(byte[] config)
        => System.Text.RegularExpressions.Regex.Replace(Encoding.UTF8.GetString(config), "\"(EncryptedKey|Salt)\": \"[^\"]*\"", "\"$1\": \"…\"");
}
