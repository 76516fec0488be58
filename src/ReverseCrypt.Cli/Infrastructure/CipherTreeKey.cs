using ReverseCrypt.Format;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>Opens the key of an encrypted tree (a backup copy): its gocryptfs.conf, or --config, or --masterkey alone
/// (then the reverse-mode defaults apply: AES-SIV, HKDF, Raw64, DirIV — no "-aessiv" needed, unlike gocryptfs).</summary>
public static class CipherTreeKey
{
    public static OpenedKey Open(PasswordSource passwords, string cipherDir, string? configPath)
    {
        if (!Directory.Exists(cipherDir))
            throw new CliException(ExitCodes.BadDirectory, File.Exists(cipherDir) ? $"{cipherDir} is not a directory" : $"{cipherDir}: no such directory");
        var path = configPath ?? Path.Combine(Path.GetFullPath(cipherDir), ConfigLocator.ForwardName);
        if (!File.Exists(path) && !passwords.HasMasterkey)
            throw new CliException(ExitCodes.ConfigMissing,
                $"no config {path}; give --config FILE, or --masterkey HEX (the key printed by 'reversecrypt masterkey')");
        return KeyLoader.Open(passwords, path, FormatOptions.ReverseDefaults);
    }

    /// <summary>Runs an operation on an encrypted tree, mapping "nothing decrypts with this key" to WrongPassword and an
    /// unusable directory (missing, unreadable, target inside the tree) to BadDirectory.</summary>
    public static T Guard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (WrongKeyException e)
        {
            throw new CliException(ExitCodes.WrongPassword, e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.BadDirectory, e.Message, e);
        }
    }
}
