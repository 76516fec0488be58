// The gocryptfs config file (gocryptfs.conf / .gocryptfs.reverse.conf): model, password -> master key, creation
// and writing (docs/format.md sections 3.1, 3.3, 3.4). JSON reading/writing: ConfFile.Json.cs; checks: ConfFile.Validation.cs.
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format.Config;

/// <summary>A parsed and validated gocryptfs config file.</summary>
public sealed partial class ConfFile
{
    public const int CurrentVersion = 2;
    public const int SaltSize = 32;
    public const int ScryptKeyLength = 32;
    public const int MinScryptLogN = 10;
    public const int MaxScryptLogN = 28;
    public const int DefaultScryptLogN = 16;

    /// <summary>
    /// The largest config file accepted, in bytes. gocryptfs writes 400-600 bytes (one wrapped key, one salt, a few
    /// flags) and a FIDO2 credential adds about 200; 64 KiB leaves ample room for hand-edited files (other
    /// indentation, keys that Go ignores) while a config planted in an untrusted copy can never make us read or
    /// parse more than that: readers take at most one byte more, to tell that a file is too large.
    /// </summary>
    public const int MaxFileSize = 64 * 1024;

    private const int TagSize = 16;
    private const int HkdfNonceSize = 16;
    private const int LegacyNonceSize = 12;

    private List<string> _featureFlags = [];
    private byte[] _encryptedKey = [];
    private byte[] _salt = [];
    private JsonElement? _fido2;

    private ConfFile(string sourceName) => SourceName = sourceName;

    /// <summary>The file (or other source) this config came from or will be written to; used in messages.</summary>
    public string SourceName { get; private set; }

    public string Creator { get; private set; } = "";
    public int Version { get; private set; }
    public IReadOnlyList<string> FeatureFlags => _featureFlags;
    public long ScryptN { get; private set; }
    public int ScryptR { get; private set; }
    public int ScryptP { get; private set; }
    public int KeyLen { get; private set; }

    /// <summary>The stored LongNameMax (0 when absent, i.e. the default 255).</summary>
    public int LongNameMax { get; private set; }

    /// <summary>The config describes an AES-SIV filesystem, which reverse mode requires.</summary>
    public bool IsReverseCapable => HasFlag(FeatureFlag.AESSIV);

    public bool HasFlag(string flag) => _featureFlags.Contains(flag, StringComparer.Ordinal);

    /// <summary>
    /// Reads and validates a config file, reading at most <see cref="MaxFileSize"/> + 1 bytes of it. Throws
    /// ConfigException (Missing, Unreadable, TooLarge, or a content problem). The file is opened as it is: a reader of
    /// an untrusted tree checks first that it is a regular file (a FIFO would block the open), then calls
    /// <see cref="Parse"/> with what it read.
    /// </summary>
    public static ConfFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var json = new byte[MaxFileSize + 1];
        int length = 0;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            length = file.ReadAtLeast(json, json.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigException(ConfigErrorKind.Missing, $"config {path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(ConfigErrorKind.Unreadable, $"config {path}: cannot read: {OneLine(e.Message)}", e);
        }
        return Parse(json.AsSpan(0, length), path);
    }

    /// <summary>Parses and validates config JSON (at most <see cref="MaxFileSize"/> bytes); sourceName names it in messages.</summary>
    public static ConfFile Parse(ReadOnlySpan<byte> json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        var conf = new ConfFile(sourceName);
        if (json.Length > MaxFileSize)
            throw conf.Error(ConfigErrorKind.TooLarge, $"file is larger than {MaxFileSize} bytes (a gocryptfs config is under 1 KiB)");
        conf.ReadJson(json);
        conf.Validate();
        return conf;
    }

    /// <summary>
    /// scrypt(password) -> KEK (HKDF-expanded with the HKDF flag) -> AES-GCM-open EncryptedKey with AD = ZERO(8).
    /// Throws WrongPasswordException when the tag does not verify.
    /// </summary>
    public MasterKey Unlock(ReadOnlySpan<byte> password)
    {
        if (HasFlag(FeatureFlag.FIDO2))
            throw Error(ConfigErrorKind.InvalidFlags, "the master key is protected by a FIDO2 token, which is not supported");
        var nonceSize = NonceSize;
        Span<byte> kek = stackalloc byte[ScryptKeyLength];
        Span<byte> plainKey = stackalloc byte[MasterKey.Size];
        try
        {
            DeriveKek(password, _salt, ScryptN, ScryptR, ScryptP, HasFlag(FeatureFlag.HKDF), kek);
            var nonce = _encryptedKey.AsSpan(0, nonceSize);
            var ciphertext = _encryptedKey.AsSpan(nonceSize, MasterKey.Size);
            var tag = _encryptedKey.AsSpan(nonceSize + MasterKey.Size, TagSize);
            if (!AesGcm16.TryDecrypt(kek, nonce, ciphertext, tag, ZeroAd, plainKey))
                throw new WrongPasswordException($"config {SourceName}: wrong password");
            return MasterKey.FromBytes(plainKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
            CryptographicOperations.ZeroMemory(plainKey);
        }
    }

    /// <summary>A new config wrapping key with password; random 32-byte salt and 16-byte nonce.</summary>
    public static ConfFile Create(MasterKey key, ReadOnlySpan<byte> password, ConfCreateOptions options)
    {
        Span<byte> salt = stackalloc byte[SaltSize];
        Span<byte> nonce = stackalloc byte[HkdfNonceSize];
        RandomNumberGenerator.Fill(salt);
        RandomNumberGenerator.Fill(nonce);
        return Create(key, password, options, salt, nonce);
    }

    /// <summary>Testing hook: <see cref="Create(MasterKey, ReadOnlySpan{byte}, ConfCreateOptions)"/> with a chosen salt and nonce.</summary>
    internal static ConfFile Create(MasterKey key, ReadOnlySpan<byte> password, ConfCreateOptions options, ReadOnlySpan<byte> salt,
        ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ScryptLogN is < MinScryptLogN or > MaxScryptLogN)
            throw new ArgumentOutOfRangeException(nameof(options), options.ScryptLogN, $"scrypt logN must be {MinScryptLogN}..{MaxScryptLogN}.");
        if (options.LongNameMax != 0 && options.LongNameMax is < 62 or > 255)
            throw new ArgumentOutOfRangeException(nameof(options), options.LongNameMax, "LongNameMax must be 0 (default) or 62..255.");
        var storeLongNameMax = options.LongNameMax is not 0 and not 255;
        if (options.PlaintextNames && (options.DeterministicNames || storeLongNameMax))
            throw new ArgumentException("PlaintextNames cannot be combined with DeterministicNames or LongNameMax.", nameof(options));
        if (password.IsEmpty) throw new ArgumentException("The password must not be empty.", nameof(password));

        var conf = new ConfFile("(new config)")
        {
            Creator = ExpandCreator(options.Creator),
            Version = CurrentVersion,
        };
        // Flag order of gocryptfs -init (FORMAT 3.3).
        conf._featureFlags.Add(FeatureFlag.HKDF);
        conf._featureFlags.Add(FeatureFlag.GCMIV128);
        if (options.PlaintextNames)
        {
            conf._featureFlags.Add(FeatureFlag.PlaintextNames);
        }
        else
        {
            if (!options.DeterministicNames) conf._featureFlags.Add(FeatureFlag.DirIV);
            if (storeLongNameMax)
            {
                conf._featureFlags.Add(FeatureFlag.LongNameMax);
                conf.LongNameMax = options.LongNameMax;
            }
            conf._featureFlags.Add(FeatureFlag.EMENames);
            conf._featureFlags.Add(FeatureFlag.LongNames);
            conf._featureFlags.Add(FeatureFlag.Raw64);
        }
        if (options.Reverse) conf._featureFlags.Add(FeatureFlag.AESSIV);
        conf.Wrap(key, password, 1L << options.ScryptLogN, salt, nonce);
        conf.Validate();
        return conf;
    }

    /// <summary>
    /// Re-wraps the master key under a new password with a fresh salt and nonce (gocryptfs -passwd): N is kept unless
    /// scryptLogN is given, R = 8, P = 1. The caller must have unlocked the key with the old password.
    /// </summary>
    public void Rewrap(MasterKey key, ReadOnlySpan<byte> newPassword, int? scryptLogN = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (HasFlag(FeatureFlag.FIDO2))
            throw Error(ConfigErrorKind.InvalidFlags, "the master key is protected by a FIDO2 token, which is not supported");
        if (scryptLogN is < MinScryptLogN or > MaxScryptLogN)
            throw new ArgumentOutOfRangeException(nameof(scryptLogN), scryptLogN, $"scrypt logN must be {MinScryptLogN}..{MaxScryptLogN}.");
        if (newPassword.IsEmpty) throw new ArgumentException("The password must not be empty.", nameof(newPassword));
        Span<byte> salt = stackalloc byte[SaltSize];
        Span<byte> nonce = stackalloc byte[NonceSize];
        RandomNumberGenerator.Fill(salt);
        RandomNumberGenerator.Fill(nonce);
        Wrap(key, newPassword, scryptLogN is { } logN ? 1L << logN : ScryptN, salt, nonce);
        Validate();
    }

    /// <summary>Writes a new config file (mode 0400) via a temporary file; throws IOException if path already exists.</summary>
    public void WriteNew(string path) => Write(path, overwrite: false);

    /// <summary>Atomically replaces an existing config file (mode 0400) via a temporary file and rename (passwd).</summary>
    public void Replace(string path) => Write(path, overwrite: true);

    /// <summary>The format options this config describes (FORMAT 3.3): DirIV absent = deterministic names.</summary>
    public FormatOptions ToFormatOptions()
    {
        var plaintextNames = HasFlag(FeatureFlag.PlaintextNames);
        var dirIv = HasFlag(FeatureFlag.DirIV);
        return new FormatOptions(
            PlaintextNames: plaintextNames,
            DirIv: dirIv,
            Raw64: HasFlag(FeatureFlag.Raw64),
            LongNameMax: HasFlag(FeatureFlag.LongNameMax) ? LongNameMax : 255,
            Hkdf: HasFlag(FeatureFlag.HKDF),
            AesSiv: HasFlag(FeatureFlag.AESSIV),
            DeterministicNames: !plaintextNames && !dirIv);
    }

    private int NonceSize => HasFlag(FeatureFlag.HKDF) ? HkdfNonceSize : LegacyNonceSize;

    /// <summary>"block number 0, no file ID" (FORMAT 3.4 step 4).</summary>
    private static ReadOnlySpan<byte> ZeroAd => [0, 0, 0, 0, 0, 0, 0, 0];

    private void Wrap(MasterKey key, ReadOnlySpan<byte> password, long scryptN, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> nonce)
    {
        var nonceSize = NonceSize;
        if (salt.Length != SaltSize) throw new ArgumentException($"The salt must be {SaltSize} bytes.", nameof(salt));
        if (nonce.Length != nonceSize) throw new ArgumentException($"The nonce must be {nonceSize} bytes.", nameof(nonce));
        const int r = 8, p = 1;
        var wrapped = new byte[nonceSize + MasterKey.Size + TagSize];
        Span<byte> kek = stackalloc byte[ScryptKeyLength];
        Span<byte> plainKey = stackalloc byte[MasterKey.Size];
        try
        {
            DeriveKek(password, salt, scryptN, r, p, HasFlag(FeatureFlag.HKDF), kek);
            key.ExportTo(plainKey);
            nonce.CopyTo(wrapped);
            AesGcm16.Encrypt(kek, nonce, plainKey, ZeroAd, wrapped.AsSpan(nonceSize, MasterKey.Size),
                wrapped.AsSpan(nonceSize + MasterKey.Size, TagSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
            CryptographicOperations.ZeroMemory(plainKey);
        }
        _salt = salt.ToArray();
        _encryptedKey = wrapped;
        ScryptN = scryptN;
        ScryptR = r;
        ScryptP = p;
        KeyLen = ScryptKeyLength;
    }

    private static void DeriveKek(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, long n, int r, int p, bool hkdf, Span<byte> kek)
    {
        Span<byte> scryptOutput = stackalloc byte[ScryptKeyLength];
        try
        {
            Kdf.Scrypt(password, salt, n, r, p, scryptOutput);
            if (hkdf) Kdf.HkdfSha256(scryptOutput, HkdfInfo.ConfigKek, kek);
            else scryptOutput.CopyTo(kek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scryptOutput);
        }
    }

    private void Write(string path, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("Config files are written with Unix permissions.");
        if (!overwrite && Path.Exists(path)) throw new IOException($"config {path}: already exists, refusing to overwrite it");
        var bytes = Serialize();
        var tmp = $"{path}.tmp.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        try
        {
            var fileOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead,
            };
            using (var stream = new FileStream(tmp, fileOptions))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            // Without overwrite, .NET moves with link()+unlink(), which fails if path appeared in the meantime.
            File.Move(tmp, path, overwrite);
        }
        catch (IOException) when (!overwrite && Path.Exists(path))
        {
            TryDelete(tmp);
            throw new IOException($"config {path}: already exists, refusing to overwrite it");
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        SourceName = path;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string ExpandCreator(string creator)
    {
        if (!creator.Contains("<version>", StringComparison.Ordinal)) return creator;
        var version = typeof(ConfFile).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                      ?? typeof(ConfFile).Assembly.GetName().Version?.ToString() ?? "0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0) version = version[..plus];
        return creator.Replace("<version>", version, StringComparison.Ordinal);
    }

    private ConfigException Error(ConfigErrorKind kind, string problem) => new(kind, $"config {SourceName}: {problem}");

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
