using System.Text;
using ReverseCrypt.Crypto;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Format.Tests;

public class ConfFileTests
{
    private static readonly byte[] Password = Encoding.UTF8.GetBytes(VectorData.Password);
    private static string HandmadeText => VectorData.Primitives.GetProperty("config_handmade").Str("file_text");
    private static string GocryptfsText => VectorData.Primitives.GetProperty("config_from_gocryptfs").Str("file_text");

    private static byte[] KeyBytes(MasterKey key)
    {
        var bytes = new byte[32];
        key.ExportTo(bytes);
        return bytes;
    }

    [Test]
    public void Handmade_config_loads_unlocks_and_serializes_byte_for_byte()
    {
        var path = VectorData.PathOf("handmade_deterministic.gocryptfs.conf");
        Assert.That(File.ReadAllText(path), Is.EqualTo(HandmadeText));
        var conf = ConfFile.Load(path);
        Assert.That(conf.Creator, Is.EqualTo("ReverseCrypt test"));
        Assert.That(conf.Version, Is.EqualTo(2));
        Assert.That((conf.ScryptN, conf.ScryptR, conf.ScryptP, conf.KeyLen), Is.EqualTo((1024L, 8, 1, 32)));
        Assert.That(conf.IsReverseCapable, Is.True);
        using var key = conf.Unlock(Password);
        Assert.That(KeyBytes(key), Is.EqualTo(VectorData.MasterKeyBytes));
        Assert.That(conf.Serialize(), Is.EqualTo(File.ReadAllBytes(path)));
        Assert.That(conf.ToFormatOptions(), Is.EqualTo(FormatOptions.ReverseDefaults));
    }

    [Test]
    public void Config_written_by_gocryptfs_unlocks_and_serializes_byte_for_byte()
    {
        var json = Encoding.UTF8.GetBytes(GocryptfsText);
        var conf = ConfFile.Parse(json, "gocryptfs.conf");
        Assert.That(conf.ScryptN, Is.EqualTo(65536));
        using var key = conf.Unlock(Password);
        Assert.That(VectorData.ToHex(KeyBytes(key)), Is.EqualTo(VectorData.Primitives.GetProperty("config_from_gocryptfs").Str("decrypts_to")));
        Assert.That(conf.Serialize(), Is.EqualTo(json));
        Assert.That(GocryptfsText, Is.EqualTo(VectorData.ReverseTree.Str("config_file_text")));
    }

    [Test]
    public void Create_with_the_vector_salt_and_nonce_gives_the_handmade_file()
    {
        var v = VectorData.Primitives.GetProperty("config_handmade");
        using var key = MasterKey.FromBytes(VectorData.MasterKeyBytes);
        var conf = ConfFile.Create(key, Password, new ConfCreateOptions(Reverse: true, ScryptLogN: 10, Creator: "ReverseCrypt test"),
            v.Hex("scrypt_salt"), v.Hex("gcm_nonce_16_bytes"));
        Assert.That(Encoding.UTF8.GetString(conf.Serialize()), Is.EqualTo(HandmadeText));
    }

    private static IEnumerable<TestCaseData> CreateVariants()
    {
        yield return new TestCaseData(new ConfCreateOptions(Reverse: true, ScryptLogN: 10),
            new[] { "HKDF", "GCMIV128", "DirIV", "EMENames", "LongNames", "Raw64", "AESSIV" }, 0,
            FormatOptions.ReverseDefaults).SetName("Create_default");
        yield return new TestCaseData(new ConfCreateOptions(Reverse: true, ScryptLogN: 10, LongNameMax: 100),
            new[] { "HKDF", "GCMIV128", "DirIV", "LongNameMax", "EMENames", "LongNames", "Raw64", "AESSIV" }, 100,
            FormatOptions.ReverseDefaults with { LongNameMax = 100 }).SetName("Create_longnamemax_100");
        yield return new TestCaseData(new ConfCreateOptions(Reverse: true, ScryptLogN: 10, LongNameMax: 255),
            new[] { "HKDF", "GCMIV128", "DirIV", "EMENames", "LongNames", "Raw64", "AESSIV" }, 0,
            FormatOptions.ReverseDefaults).SetName("Create_longnamemax_255_is_the_default");
        yield return new TestCaseData(new ConfCreateOptions(Reverse: true, ScryptLogN: 10, DeterministicNames: true),
            new[] { "HKDF", "GCMIV128", "EMENames", "LongNames", "Raw64", "AESSIV" }, 0,
            FormatOptions.ReverseDefaults with { DirIv = false, DeterministicNames = true }).SetName("Create_deterministic_names");
        yield return new TestCaseData(new ConfCreateOptions(Reverse: true, ScryptLogN: 10, PlaintextNames: true),
            new[] { "HKDF", "GCMIV128", "PlaintextNames", "AESSIV" }, 0,
            FormatOptions.ReverseDefaults with { PlaintextNames = true, DirIv = false, Raw64 = false }).SetName("Create_plaintext_names");
    }

    [TestCaseSource(nameof(CreateVariants))]
    public void Create_writes_the_flags_in_gocryptfs_order(ConfCreateOptions options, string[] flags, int longNameMax, FormatOptions formatOptions)
    {
        using var key = MasterKey.Generate();
        var conf = ConfFile.Create(key, Password, options);
        Assert.That(conf.FeatureFlags, Is.EqualTo(flags));
        Assert.That(conf.LongNameMax, Is.EqualTo(longNameMax));
        Assert.That(conf.ToFormatOptions(), Is.EqualTo(formatOptions));
        var text = Encoding.UTF8.GetString(conf.Serialize());
        if (longNameMax != 0) Assert.That(text, Does.EndWith($"\t],\n\t\"LongNameMax\": {longNameMax}\n}}\n"));
        else Assert.That(text, Does.EndWith("\t]\n}\n"));
        var reloaded = ConfFile.Parse(conf.Serialize(), "reloaded");
        using var unlocked = reloaded.Unlock(Password);
        Assert.That(KeyBytes(unlocked), Is.EqualTo(KeyBytes(key)));
        Assert.That(reloaded.Serialize(), Is.EqualTo(conf.Serialize()));
    }

    [Test]
    public void Create_uses_a_fresh_salt_and_nonce_each_time()
    {
        using var key = MasterKey.Generate();
        var a = ConfFile.Create(key, Password, new ConfCreateOptions(Reverse: true, ScryptLogN: 10));
        var b = ConfFile.Create(key, Password, new ConfCreateOptions(Reverse: true, ScryptLogN: 10));
        Assert.That(a.Serialize(), Is.Not.EqualTo(b.Serialize()));
    }

    [Test]
    public void Create_rejects_impossible_options()
    {
        using var key = MasterKey.Generate();
        Assert.That(() => ConfFile.Create(key, Password, new ConfCreateOptions(true, ScryptLogN: 9)), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ConfFile.Create(key, Password, new ConfCreateOptions(true, ScryptLogN: 29)), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ConfFile.Create(key, Password, new ConfCreateOptions(true, 10, LongNameMax: 61)), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ConfFile.Create(key, Password, new ConfCreateOptions(true, 10, LongNameMax: 256)), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => ConfFile.Create(key, Password, new ConfCreateOptions(true, 10, PlaintextNames: true, DeterministicNames: true)), Throws.ArgumentException);
        Assert.That(() => ConfFile.Create(key, Password, new ConfCreateOptions(true, 10, LongNameMax: 100, PlaintextNames: true)), Throws.ArgumentException);
        Assert.That(() => ConfFile.Create(key, [], new ConfCreateOptions(true, 10)), Throws.ArgumentException);
    }

    [Test]
    public void Creator_placeholder_is_replaced_by_the_version()
    {
        using var key = MasterKey.Generate();
        var conf = ConfFile.Create(key, Password, new ConfCreateOptions(Reverse: true, ScryptLogN: 10));
        Assert.That(conf.Creator, Does.StartWith("ReverseCrypt "));
        Assert.That(conf.Creator, Does.Not.Contain("<version>"));
        Assert.That(conf.Creator, Does.Not.Contain("+"));
    }

    [Test]
    public void Wrong_password_throws_naming_the_file()
    {
        var conf = ConfFile.Load(VectorData.PathOf("handmade_deterministic.gocryptfs.conf"));
        Assert.That(() => conf.Unlock("correct horse battery stapl"u8),
            Throws.InstanceOf<WrongPasswordException>().With.Message.EqualTo($"config {VectorData.PathOf("handmade_deterministic.gocryptfs.conf")}: wrong password"));
        Assert.That(() => conf.Unlock("correct horse battery staple\n"u8), Throws.InstanceOf<WrongPasswordException>());
    }

    [Test]
    public void Keys_are_matched_case_insensitively_and_unknown_keys_ignored()
    {
        var text = HandmadeText
            .Replace("\"Creator\"", "\"creator\"", StringComparison.Ordinal)
            .Replace("\"EncryptedKey\"", "\"ENCRYPTEDKEY\"", StringComparison.Ordinal)
            .Replace("\"ScryptObject\"", "\"scryptobject\"", StringComparison.Ordinal)
            .Replace("\"Salt\"", "\"salt\"", StringComparison.Ordinal)
            .Replace("\"KeyLen\"", "\"keylen\"", StringComparison.Ordinal)
            .Replace("\"Version\"", "\"vErSiOn\"", StringComparison.Ordinal)
            .Replace("\"FeatureFlags\"", "\"featureflags\"", StringComparison.Ordinal)
            .Replace("\t\"Version\"", "\t\"Unknown\": {\"nested\": [1, 2, null]},\n\t\"Version\"", StringComparison.Ordinal)
            .Replace("{\n\t\"creator\"", "{\n\t\"Extra\": \"ignored\",\n\t\"FIDO2\": null,\n\t\"creator\"", StringComparison.Ordinal);
        Assert.That(text, Does.Contain("Extra").And.Contain("vErSiOn"));
        var conf = ConfFile.Parse(Encoding.UTF8.GetBytes(text), "lowercase.conf");
        using var key = conf.Unlock(Password);
        Assert.That(KeyBytes(key), Is.EqualTo(VectorData.MasterKeyBytes));
        Assert.That(Encoding.UTF8.GetString(conf.Serialize()), Is.EqualTo(HandmadeText), "written back in gocryptfs's layout");
    }

    [Test]
    public void A_legacy_config_without_hkdf_uses_a_12_byte_nonce_and_the_raw_scrypt_key()
    {
        var text = LegacyConfig.Build(VectorData.MasterKeyBytes, Password);
        var conf = ConfFile.Parse(Encoding.UTF8.GetBytes(text), "legacy.conf");
        Assert.That(conf.HasFlag("HKDF"), Is.False);
        using var key = conf.Unlock(Password);
        Assert.That(KeyBytes(key), Is.EqualTo(VectorData.MasterKeyBytes));
        Assert.That(conf.ToFormatOptions(), Is.EqualTo(FormatOptions.ReverseDefaults with { Hkdf = false, Raw64 = false }));
        Assert.That(Encoding.UTF8.GetString(conf.Serialize()), Is.EqualTo(text));
        Assert.That(() => conf.Unlock("wrong"u8), Throws.InstanceOf<WrongPasswordException>());

        conf.Rewrap(key, "new password"u8);
        using var again = ConfFile.Parse(conf.Serialize(), "legacy.conf").Unlock("new password"u8);
        Assert.That(KeyBytes(again), Is.EqualTo(VectorData.MasterKeyBytes));
        Assert.That(conf.HasFlag("HKDF"), Is.False);
    }

    [Test]
    public void Rewrap_changes_password_salt_and_optionally_n()
    {
        var conf = ConfFile.Parse(Encoding.UTF8.GetBytes(HandmadeText), "x.conf");
        using var key = conf.Unlock(Password);
        conf.Rewrap(key, "new password"u8);
        Assert.That(conf.ScryptN, Is.EqualTo(1024));
        var text = Encoding.UTF8.GetString(conf.Serialize());
        Assert.That(text, Does.Not.Contain("QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="));
        Assert.That(() => conf.Unlock(Password), Throws.InstanceOf<WrongPasswordException>());
        using (var unlocked = ConfFile.Parse(conf.Serialize(), "x.conf").Unlock("new password"u8))
            Assert.That(KeyBytes(unlocked), Is.EqualTo(VectorData.MasterKeyBytes));
        conf.Rewrap(key, "third"u8, scryptLogN: 11);
        Assert.That(conf.ScryptN, Is.EqualTo(2048));
        using (var unlocked = conf.Unlock("third"u8))
            Assert.That(KeyBytes(unlocked), Is.EqualTo(VectorData.MasterKeyBytes));
        Assert.That(() => conf.Rewrap(key, "x"u8, scryptLogN: 5), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Fido2_configs_are_read_and_written_back_but_cannot_be_unlocked()
    {
        var text = HandmadeText
            .Replace("\t\t\"AESSIV\"\n\t]", "\t\t\"AESSIV\",\n\t\t\"FIDO2\"\n\t],\n\t\"FIDO2\": {\n\t\t\"CredentialID\": \"AQID\",\n\t\t\"HMACSalt\": \"BAUG\"\n\t}", StringComparison.Ordinal);
        var conf = ConfFile.Parse(Encoding.UTF8.GetBytes(text), "fido.conf");
        Assert.That(Encoding.UTF8.GetString(conf.Serialize()), Is.EqualTo(text));
        Assert.That(() => conf.Unlock(Password), Throws.InstanceOf<ConfigException>()
            .With.Property(nameof(ConfigException.Kind)).EqualTo(ConfigErrorKind.InvalidFlags).And.Message.Contains("FIDO2"));
    }

    [Test]
    public void Strings_are_escaped_like_go()
    {
        Assert.That(ConfFile.GoString("gocryptfs 2.3"), Is.EqualTo("\"gocryptfs 2.3\""));
        Assert.That(ConfFile.GoString("a\"b\\c\nd\te\rf\u0001g<h>i&j\u2028k\u2029l"),
            Is.EqualTo("\"a\\\"b\\\\c\\nd\\te\\rf\\u0001g\\u003ch\\u003ei\\u0026j\\u2028k\\u2029l\""));
        Assert.That(ConfFile.GoString("Ünïcödé 🙂"), Is.EqualTo("\"Ünïcödé 🙂\""));
        Assert.That(ConfFile.GoString("bad\ud800x"), Is.EqualTo("\"bad\\ufffdx\""));
    }

    [Test]
    public void WriteNew_creates_a_0400_file_and_refuses_to_overwrite()
    {
        var dir = Directory.CreateTempSubdirectory("rc-conf-");
        try
        {
            var path = Path.Combine(dir.FullName, ".gocryptfs.reverse.conf");
            var conf = ConfFile.Parse(Encoding.UTF8.GetBytes(HandmadeText), "memory");
            conf.WriteNew(path);
            Assert.That(File.ReadAllText(path), Is.EqualTo(HandmadeText));
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead));
            Assert.That(conf.SourceName, Is.EqualTo(path));
            Assert.That(() => conf.WriteNew(path), Throws.InstanceOf<IOException>().With.Message.Contains("already exists"));
            Assert.That(Directory.GetFiles(dir.FullName), Has.Length.EqualTo(1), "no temporary file left behind");

            using var key = conf.Unlock(Password);
            conf.Rewrap(key, "other"u8);
            conf.Replace(path);
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(conf.Serialize()));
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead));
            Assert.That(Directory.GetFiles(dir.FullName), Has.Length.EqualTo(1));
            using var reloaded = ConfFile.Load(path).Unlock("other"u8);
            Assert.That(KeyBytes(reloaded), Is.EqualTo(VectorData.MasterKeyBytes));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void WriteNew_refuses_an_existing_symlink_or_directory()
    {
        var dir = Directory.CreateTempSubdirectory("rc-conf-");
        try
        {
            var conf = ConfFile.Parse(Encoding.UTF8.GetBytes(HandmadeText), "memory");
            var link = Path.Combine(dir.FullName, "dangling");
            File.CreateSymbolicLink(link, Path.Combine(dir.FullName, "nowhere"));
            Assert.That(() => conf.WriteNew(link), Throws.InstanceOf<IOException>());
            Assert.That(File.Exists(Path.Combine(dir.FullName, "nowhere")), Is.False);
            Assert.That(() => conf.WriteNew(dir.FullName), Throws.InstanceOf<IOException>());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
