using System.Text;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Format.Tests;

/// <summary>Every way a config can be refused: one test case each, with its kind and its one-line message.</summary>
public class ConfFileValidationTests
{
    private const string Source = "/x/.gocryptfs.reverse.conf";
    private static string Handmade => VectorData.Primitives.GetProperty("config_handmade").Str("file_text");

    private const string AllFlags = "\t\t\"HKDF\",\n\t\t\"GCMIV128\",\n\t\t\"DirIV\",\n\t\t\"EMENames\",\n\t\t\"LongNames\",\n\t\t\"Raw64\",\n\t\t\"AESSIV\"\n";

    private static string WithFlags(params string[] flags)
        => Handmade.Replace(AllFlags, string.Join(",\n", flags.Select(f => $"\t\t\"{f}\"")) + "\n", StringComparison.Ordinal);

    private static string Replace(string from, string to)
    {
        Assert.That(Handmade, Does.Contain(from));
        return Handmade.Replace(from, to, StringComparison.Ordinal);
    }

    private static string AddLongNameMax(string text, int value) => text.Replace("\t]\n}", $"\t],\n\t\"LongNameMax\": {value}\n}}", StringComparison.Ordinal);

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, string json, ConfigErrorKind kind, string message)
            => new TestCaseData(json, kind, message).SetName("Refuses_" + name);

        const string Salt = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";
        // JSON shape
        yield return Case("empty_file", "", ConfigErrorKind.InvalidJson, "file is empty");
        yield return Case("not_json", "Creator: x", ConfigErrorKind.InvalidJson, "invalid JSON");
        yield return Case("truncated_json", Handmade[..100], ConfigErrorKind.InvalidJson, "invalid JSON");
        yield return Case("json_array", "[1, 2]", ConfigErrorKind.InvalidJson, "not a JSON object");
        yield return Case("creator_not_string", Replace("\"ReverseCrypt test\"", "42"), ConfigErrorKind.InvalidJson, "\"Creator\" must be a string");
        yield return Case("n_as_string", Replace("\"N\": 1024", "\"N\": \"1024\""), ConfigErrorKind.InvalidJson, "\"ScryptObject.N\" must be an integer");
        yield return Case("n_fraction", Replace("\"N\": 1024", "\"N\": 1024.5"), ConfigErrorKind.InvalidJson, "\"ScryptObject.N\" must be an integer");
        yield return Case("r_as_bool", Replace("\"R\": 8", "\"R\": true"), ConfigErrorKind.InvalidJson, "\"ScryptObject.R\" must be an integer");
        yield return Case("version_beyond_uint16", Replace("\"Version\": 2", "\"Version\": 65538"), ConfigErrorKind.InvalidJson, "\"Version\" must be an integer");
        yield return Case("version_negative", Replace("\"Version\": 2", "\"Version\": -2"), ConfigErrorKind.InvalidJson, "\"Version\" must be an integer");
        yield return Case("longnamemax_beyond_uint8", AddLongNameMax(Handmade, 300), ConfigErrorKind.InvalidJson, "\"LongNameMax\" must be an integer");
        yield return Case("scryptobject_not_object", Replace("\"ScryptObject\": {", "\"ScryptObject\": 5, \"X\": {"), ConfigErrorKind.InvalidJson, "\"ScryptObject\" must be an object");
        yield return Case("flags_not_array", Replace("\"FeatureFlags\": [", "\"FeatureFlags\": \"HKDF\", \"X\": ["), ConfigErrorKind.InvalidJson, "\"FeatureFlags\" must be an array of strings");
        yield return Case("flag_not_string", WithFlags("HKDF", "GCMIV128", "AESSIV").Replace("\"HKDF\"", "7", StringComparison.Ordinal), ConfigErrorKind.InvalidJson, "\"FeatureFlags\" must be an array of strings");
        yield return Case("key_not_base64", Replace("\"EncryptedKey\": \"", "\"EncryptedKey\": \"!!"), ConfigErrorKind.InvalidJson, "\"EncryptedKey\" is not valid base64");
        yield return Case("salt_not_base64", Replace(Salt, "QEFC*"), ConfigErrorKind.InvalidJson, "\"ScryptObject.Salt\" is not valid base64");
        yield return Case("fido2_not_object", Replace("\t\"Version\"", "\t\"FIDO2\": [],\n\t\"Version\""), ConfigErrorKind.InvalidJson, "\"FIDO2\" must be an object");
        // Version
        yield return Case("version_1", Replace("\"Version\": 2", "\"Version\": 1"), ConfigErrorKind.UnsupportedVersion, "unsupported on-disk format version 1");
        yield return Case("version_3", Replace("\"Version\": 2", "\"Version\": 3"), ConfigErrorKind.UnsupportedVersion, "unsupported on-disk format version 3");
        yield return Case("version_missing", Replace("\t\"Version\": 2,\n", ""), ConfigErrorKind.UnsupportedVersion, "unsupported on-disk format version 0");
        // scrypt
        yield return Case("n_below_1024", Replace("\"N\": 1024", "\"N\": 512"), ConfigErrorKind.InvalidScrypt, "scrypt N=512 is below the minimum 1024");
        yield return Case("n_not_power_of_two", Replace("\"N\": 1024", "\"N\": 1536"), ConfigErrorKind.InvalidScrypt, "scrypt N=1536 is not a power of two");
        yield return Case("n_above_2_28", Replace("\"N\": 1024", "\"N\": 536870912"), ConfigErrorKind.InvalidScrypt, "scrypt N=536870912 is above the maximum");
        yield return Case("n_missing", Replace("\t\t\"N\": 1024,\n", ""), ConfigErrorKind.InvalidScrypt, "scrypt N=0 is below the minimum 1024");
        yield return Case("r_below_8", Replace("\"R\": 8", "\"R\": 7"), ConfigErrorKind.InvalidScrypt, "scrypt R=7 is below the minimum 8");
        yield return Case("p_below_1", Replace("\"P\": 1", "\"P\": 0"), ConfigErrorKind.InvalidScrypt, "scrypt P=0 is below the minimum 1");
        yield return Case("r_times_p_too_large", Replace("\"P\": 1", "\"P\": 134217728"), ConfigErrorKind.InvalidScrypt, "scrypt R*P=1073741824 is too large");
        yield return Case("salt_31_bytes", Replace(Salt, Convert.ToBase64String(new byte[31])), ConfigErrorKind.InvalidScrypt, "scrypt salt is 31 bytes, the minimum is 32");
        yield return Case("salt_missing", Replace($"\t\t\"Salt\": \"{Salt}\",\n", ""), ConfigErrorKind.InvalidScrypt, "scrypt salt is 0 bytes, the minimum is 32");
        yield return Case("salt_33_bytes", Replace(Salt, Convert.ToBase64String(new byte[33])), ConfigErrorKind.InvalidScrypt, "scrypt salt is 33 bytes; only 32-byte salts");
        yield return Case("keylen_16", Replace("\"KeyLen\": 32", "\"KeyLen\": 16"), ConfigErrorKind.InvalidScrypt, "scrypt KeyLen=16, must be 32");
        yield return Case("keylen_64", Replace("\"KeyLen\": 32", "\"KeyLen\": 64"), ConfigErrorKind.InvalidScrypt, "scrypt KeyLen=64, must be 32");
        // feature flags
        yield return Case("unknown_flag", WithFlags("HKDF", "GCMIV128", "Foo", "AESSIV"), ConfigErrorKind.UnknownFlag, "unknown feature flag \"Foo\"");
        yield return Case("flag_wrong_case", WithFlags("hkdf", "GCMIV128", "AESSIV"), ConfigErrorKind.UnknownFlag, "unknown feature flag \"hkdf\"");
        yield return Case("flag_empty", WithFlags("HKDF", "GCMIV128", "", "AESSIV"), ConfigErrorKind.UnknownFlag, "unknown feature flag \"\"");
        yield return Case("aessiv_without_gcmiv128", WithFlags("HKDF", "DirIV", "EMENames", "AESSIV"), ConfigErrorKind.InvalidFlags, "AESSIV requires GCMIV128");
        yield return Case("aessiv_and_xchacha", WithFlags("HKDF", "GCMIV128", "AESSIV", "XChaCha20Poly1305"), ConfigErrorKind.InvalidFlags, "AESSIV and XChaCha20Poly1305 exclude each other");
        yield return Case("xchacha_with_gcmiv128", WithFlags("HKDF", "GCMIV128", "XChaCha20Poly1305"), ConfigErrorKind.InvalidFlags, "XChaCha20Poly1305 conflicts with GCMIV128");
        yield return Case("xchacha_without_hkdf", WithFlags("XChaCha20Poly1305"), ConfigErrorKind.InvalidFlags, "XChaCha20Poly1305 requires HKDF");
        yield return Case("gcm_without_gcmiv128", WithFlags("HKDF", "DirIV", "EMENames"), ConfigErrorKind.InvalidFlags, "AES-GCM (no AESSIV/XChaCha20Poly1305 flag) requires GCMIV128");
        foreach (var conflicting in new[] { "EMENames", "DirIV", "LongNames", "Raw64", "LongNameMax" })
        {
            yield return Case("plaintextnames_with_" + conflicting, WithFlags("HKDF", "GCMIV128", "PlaintextNames", conflicting, "AESSIV"),
                ConfigErrorKind.InvalidFlags, "PlaintextNames conflicts with " + conflicting);
        }
        yield return Case("longnamemax_value_without_flag", AddLongNameMax(Handmade, 100), ConfigErrorKind.InvalidFlags, "LongNameMax=100 but the LongNameMax feature flag is not set");
        yield return Case("longnamemax_flag_without_value", WithFlags("HKDF", "GCMIV128", "DirIV", "LongNameMax", "EMENames", "LongNames", "Raw64", "AESSIV"),
            ConfigErrorKind.InvalidFlags, "the LongNameMax feature flag is set but LongNameMax is 0 or missing");
        yield return Case("longnamemax_61", AddLongNameMax(WithFlags("HKDF", "GCMIV128", "DirIV", "LongNameMax", "EMENames", "LongNames", "Raw64", "AESSIV"), 61),
            ConfigErrorKind.InvalidFlags, "LongNameMax=61 is outside 62..254");
        yield return Case("longnamemax_255", AddLongNameMax(WithFlags("HKDF", "GCMIV128", "DirIV", "LongNameMax", "EMENames", "LongNames", "Raw64", "AESSIV"), 255),
            ConfigErrorKind.InvalidFlags, "LongNameMax=255 is outside 62..254");
        // wrapped key
        yield return Case("encrypted_key_63_bytes", Replace("\"EncryptedKey\": \"oKGio6SlpqeoqaqrrK2ur0Re4njqOfPjxG8KkFHLiMKPMFedBlZk3UQmV3teadOslxNzrVP12kjUNT+SSSlv3A==\"",
                "\"EncryptedKey\": \"" + Convert.ToBase64String(new byte[63]) + "\""),
            ConfigErrorKind.InvalidKey, "EncryptedKey is 63 bytes, expected 64");
        yield return Case("encrypted_key_missing", Replace("\t\"EncryptedKey\": \"oKGio6SlpqeoqaqrrK2ur0Re4njqOfPjxG8KkFHLiMKPMFedBlZk3UQmV3teadOslxNzrVP12kjUNT+SSSlv3A==\",\n", ""),
            ConfigErrorKind.InvalidKey, "EncryptedKey is 0 bytes, expected 64");
        yield return Case("legacy_key_with_16_byte_nonce", WithFlags("GCMIV128", "DirIV", "EMENames", "LongNames", "AESSIV"),
            ConfigErrorKind.InvalidKey, "EncryptedKey is 64 bytes, expected 60 (12-byte nonce");
    }

    /// <summary>Runs action and returns the ConfigException it throws (any other outcome fails the test).</summary>
    private static ConfigException Refusal(Action action)
    {
        ConfigException? caught = null;
        try
        {
            action();
        }
        catch (ConfigException e)
        {
            caught = e;
        }
        Assert.That(caught, Is.Not.Null, "expected a ConfigException");
        return caught!;
    }

    [TestCaseSource(nameof(Cases))]
    public void Invalid_configs_are_refused(string json, ConfigErrorKind kind, string problem)
    {
        var e = Refusal(() => ConfFile.Parse(Encoding.UTF8.GetBytes(json), Source));
        Assert.That(e.Kind, Is.EqualTo(kind));
        Assert.That(e.Message, Does.StartWith($"config {Source}: "));
        Assert.That(e.Message, Does.Contain(problem));
        Assert.That(e.Message, Does.Not.Contain('\n').And.Not.Contain('\r'));
    }

    [Test]
    public void Unknown_flag_message_is_exact()
    {
        var e = Refusal(() => ConfFile.Parse(Encoding.UTF8.GetBytes(WithFlags("HKDF", "GCMIV128", "Foo", "AESSIV")), Source));
        Assert.That(e.Message, Is.EqualTo("config /x/.gocryptfs.reverse.conf: unknown feature flag \"Foo\""));
    }

    [Test]
    public void Missing_file()
    {
        var e = Refusal(() => ConfFile.Load("/nonexistent-rc/.gocryptfs.reverse.conf"));
        Assert.That(e.Kind, Is.EqualTo(ConfigErrorKind.Missing));
        Assert.That(e.Message, Is.EqualTo("config /nonexistent-rc/.gocryptfs.reverse.conf: file not found"));
    }

    [Test]
    public void Unreadable_file()
    {
        var dir = Directory.CreateTempSubdirectory("rc-conf-");
        try
        {
            var e = Refusal(() => ConfFile.Load(dir.FullName));
            Assert.That(e.Kind, Is.EqualTo(ConfigErrorKind.Unreadable));
            Assert.That(e.Message, Does.StartWith($"config {dir.FullName}: cannot read: "));
            Assert.That(e.Message, Does.Not.Contain('\n'));
        }
        finally
        {
            dir.Delete();
        }
    }

    [Test]
    public void Load_names_the_file_in_content_errors()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Replace("\"Version\": 2", "\"Version\": 1"));
            var e = Refusal(() => ConfFile.Load(file));
            Assert.That(e.Message, Is.EqualTo($"config {file}: unsupported on-disk format version 1 (only 2 is supported)"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void The_unmodified_base_config_is_valid()
    {
        Assert.That(() => ConfFile.Parse(Encoding.UTF8.GetBytes(Handmade), Source), Throws.Nothing);
        Assert.That(() => ConfFile.Parse(Encoding.UTF8.GetBytes(WithFlags("HKDF", "GCMIV128", "DirIV", "EMENames", "LongNames", "Raw64", "AESSIV")), Source), Throws.Nothing);
        Assert.That(() => ConfFile.Parse(Encoding.UTF8.GetBytes(AddLongNameMax(WithFlags("HKDF", "GCMIV128", "DirIV", "LongNameMax", "EMENames", "LongNames", "Raw64", "AESSIV"), 62)), Source), Throws.Nothing);
    }
}
