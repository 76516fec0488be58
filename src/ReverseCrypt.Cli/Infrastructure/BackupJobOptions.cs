using System.CommandLine;
using Microsoft.Extensions.Logging;
using ReverseCrypt.Cli.Commands;
using ReverseCrypt.Format;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>
/// The arguments and options `backup` and `verify` share ([PLAINDIR] DEST, --config, --source-latest, --ssh, --debug,
/// the password and exclude options) and their binding, up to the settings of the private reverse view. The help
/// texts that differ between the two commands are given to the constructor.
/// </summary>
public sealed class BackupJobOptions
{
    /// <param name="destination">What DEST is, in the argument's help ("the destination", "the backup").</param>
    /// <param name="sourceLatest">The help of --source-latest.</param>
    /// <param name="config">The help of --config.</param>
    /// <param name="ssh">The help of --ssh.</param>
    /// <param name="debug">The help of --debug.</param>
    /// <param name="noSparse">The help of --no-sparse.</param>
    public BackupJobOptions(string destination, string sourceLatest,
        string config = "The config file (default: PLAINDIR/.gocryptfs.reverse.conf).",
        string ssh = "The remote shell (default: $RSYNC_RSH or ssh).",
        string debug = "Verbose logging.",
        string noSparse = "Encrypt every block of the view, also those inside holes of sparse files, as gocryptfs -reverse does (give it to verify too when backup ran with it).")
    {
        Paths = new Argument<string[]>("[PLAINDIR] DEST")
        {
            Description = $"The plaintext directory (omitted with --source-latest) and {destination}: a local directory or [user@]host:path.",
            Arity = new ArgumentArity(1, 2),
        };
        Config = new Option<FileInfo?>("--config") { Description = config, HelpName = "FILE" };
        SourceLatestDir = new Option<DirectoryInfo?>("--source-latest") { Description = sourceLatest, HelpName = "DIR" };
        Ssh = new Option<string?>("--ssh") { Description = ssh, HelpName = "COMMAND" };
        Debug = new Option<bool>("--debug") { Description = debug };
        NoSparse = new Option<bool>("--no-sparse") { Description = noSparse };
        Instance = new Option<string?>("--instance")
        {
            Description = "Read SOURCE, DEST, SSH and the options from the instance file /etc/reversecrypt/NAME.conf (the directory is $REVERSECRYPT_CONFIG_DIR when set). PLAINDIR DEST given here replace SOURCE and DEST; an option given here replaces the file's, except that --exclude* options add to them.",
            HelpName = "NAME",
        };
    }

    /// <summary>--instance NAME: handled before parsing (InstanceArguments); declared for the help.</summary>
    public Option<string?> Instance { get; }

    public Argument<string[]> Paths { get; }

    public Option<FileInfo?> Config { get; }

    public Option<DirectoryInfo?> SourceLatestDir { get; }

    public Option<string?> Ssh { get; }

    public Option<bool> Debug { get; }

    /// <summary>--no-sparse: the view encrypts the blocks inside holes too (<see cref="ReverseViewSettings.Sparse"/>).</summary>
    public Option<bool> NoSparse { get; }

    public PasswordOptions Password { get; } = new();

    public ExcludeOptions Excludes { get; } = new();

    /// <summary>PLAINDIR (or the newest subdirectory of --source-latest DIR) and DEST.</summary>
    public (string PlainDir, BackupDestination Destination) BindPaths(ParseResult result)
    {
        var args = result.GetValue(Paths) ?? [];
        var latestDir = result.GetValue(SourceLatestDir);
        string plainDir;
        if (latestDir is not null)
        {
            if (args.Length != 1) throw new CliException(ExitCodes.Usage, "with --source-latest give only DEST");
            plainDir = BackupCommand.Map(() => SourceLatest.Find(latestDir.FullName));
        }
        else
        {
            if (args.Length != 2) throw new CliException(ExitCodes.Usage, "give PLAINDIR and DEST (or --source-latest DIR and DEST)");
            plainDir = Path.GetFullPath(args[0]);
        }
        return (plainDir, BackupCommand.Map(() => BackupDestination.Parse(args[^1])));
    }

    /// <summary>--ssh, else $RSYNC_RSH or ssh.</summary>
    public string RemoteShell(ParseResult result) => result.GetValue(Ssh) ?? BackupOptions.DefaultRemoteShell();

    /// <summary>
    /// Binds the excludes, checks PLAINDIR, opens the key (the config, PLAINDIR/.gocryptfs.reverse.conf unless --config,
    /// or --masterkey alone) and describes the view; the caller disposes the settings' Key. The two functions give the
    /// messages, for a config path, when there is neither a config nor --masterkey and when the config is not AES-SIV.
    /// </summary>
    public ReverseViewSettings OpenView(ParseResult result, string plainDir, Func<string, string> missingConfig,
        Func<string, string> notAesSiv)
    {
        var exclude = Excludes.BindMatcher(result);
        ReverseView.ValidatePlainDir(plainDir);
        var configPath = result.GetValue(Config)?.FullName ?? Path.Combine(plainDir, ConfigLocator.ReverseName);
        var passwords = Password.Bind(result);
        if (!File.Exists(configPath) && !passwords.HasMasterkey)
            throw new CliException(ExitCodes.ConfigMissing, missingConfig(configPath));
        var key = KeyLoader.Open(passwords, configPath, FormatOptions.ReverseDefaults);
        if (!key.Options.AesSiv)
        {
            key.Dispose();
            throw new CliException(ExitCodes.ConfigInvalid, notAesSiv(configPath));
        }
        return new ReverseViewSettings(plainDir, key)
        {
            ConfigPath = File.Exists(configPath) ? configPath : null,
            Exclude = exclude,
            OneFileSystem = result.GetValue(Excludes.OneFileSystem),
            Sparse = !result.GetValue(NoSparse),
            Debug = result.GetValue(Debug),
        };
    }

    /// <summary>Logging to stderr: warnings only, everything with --debug.</summary>
    public ILoggerFactory CreateLoggers(ParseResult result) => Logging.Create(result.GetValue(Debug), quiet: !result.GetValue(Debug));
}
