using ReverseCrypt.Crypto;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Config;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>An opened key: the master key plus the format options it goes with.</summary>
public sealed class OpenedKey(MasterKey key, FormatOptions options) : IDisposable
{
    public MasterKey Key { get; } = key;
    public FormatOptions Options { get; } = options;

    public CryptoCore CreateCore() => CryptoCore.Create(Key, Options);

    public void Dispose() => Key.Dispose();
}

/// <summary>Loads (as untrusted files, see <see cref="ConfigReader"/>) and unlocks configs, turning format errors into
/// CLI errors with documented exit codes.</summary>
public static class KeyLoader
{
    public static ConfFile LoadConfig(string path)
    {
        try
        {
            return ConfigReader.Load(path);
        }
        catch (ConfigException e)
        {
            throw new CliException(e.Kind == ConfigErrorKind.Missing ? ExitCodes.ConfigMissing : ExitCodes.ConfigInvalid, e.Message, e);
        }
    }

    public static MasterKey Unlock(ConfFile config, string path, byte[] password)
    {
        try
        {
            return config.Unlock(password);
        }
        catch (WrongPasswordException e)
        {
            throw new CliException(ExitCodes.WrongPassword, $"wrong password for {path}", e);
        }
        finally
        {
            Array.Clear(password);
        }
    }

    /// <summary>
    /// Opens the key for a tree. With --masterkey the config (if any) only supplies the format options; without a
    /// config the given defaults apply (reverse-mode defaults: AES-SIV, HKDF, Raw64, DirIV).
    /// </summary>
    public static OpenedKey Open(PasswordSource source, string? configPath, FormatOptions defaults)
    {
        ConfFile? config = null;
        if (configPath is not null && (File.Exists(configPath) || !source.HasMasterkey))
            config = LoadConfig(configPath);
        var masterkey = source.ReadMasterkey();
        if (masterkey is not null)
            return new OpenedKey(masterkey, config?.ToFormatOptions() ?? defaults);
        if (config is null)
            throw new CliException(ExitCodes.ConfigMissing, "no config file, and no --masterkey given");
        var key = Unlock(config, configPath!, source.ReadPassword());
        return new OpenedKey(key, config.ToFormatOptions());
    }
}
