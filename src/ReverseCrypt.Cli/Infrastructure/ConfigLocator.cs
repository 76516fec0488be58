namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>Finds the config file for a DIR|FILE argument: a file is taken as it is; in a directory the reverse
/// config (.gocryptfs.reverse.conf) wins over a forward one (gocryptfs.conf).</summary>
public static class ConfigLocator
{
    public const string ReverseName = ".gocryptfs.reverse.conf";
    public const string ForwardName = "gocryptfs.conf";

    public static string Resolve(string dirOrFile)
    {
        if (File.Exists(dirOrFile)) return Path.GetFullPath(dirOrFile);
        if (Directory.Exists(dirOrFile))
        {
            foreach (var name in new[] { ReverseName, ForwardName })
            {
                var candidate = Path.Combine(dirOrFile, name);
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
            throw new CliException(ExitCodes.ConfigMissing,
                $"no config in {dirOrFile} (neither {ReverseName} nor {ForwardName}); create one with 'reversecrypt init --reverse {dirOrFile}'");
        }
        throw new CliException(ExitCodes.ConfigMissing, $"{dirOrFile}: no such file or directory");
    }
}
