using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Crypto;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt init`: writes a new gocryptfs-compatible config with a fresh master key.</summary>
public static class InitCommand
{
    public static Command Create()
    {
        var reverse = new Option<bool>("--reverse") { Description = "Write DIR/.gocryptfs.reverse.conf for an encrypted view of the plaintext DIR (the backup use)." };
        var scryptn = new Option<int>("--scryptn") { Description = "scrypt cost as log2(N), 10..28 (default 16, as gocryptfs).", DefaultValueFactory = _ => ConfFile.DefaultScryptLogN };
        var longnamemax = new Option<int>("--longnamemax") { Description = "Hash encrypted names longer than N characters, 62..255 (default 255).", DefaultValueFactory = _ => 255 };
        var deterministic = new Option<bool>("--deterministic-names") { Description = "No per-directory IV: equal names encrypt equally in every directory." };
        var plaintextnames = new Option<bool>("--plaintextnames") { Description = "Do not encrypt names (contents still encrypted)." };
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "The directory to initialise (the plaintext tree with --reverse; an empty directory otherwise)." };
        var password = new PasswordOptions();
        var command = new Command("init", "Create a new config file with a fresh master key (gocryptfs -init compatible).")
        {
            reverse, scryptn, longnamemax, deterministic, plaintextnames, dir,
        };
        password.AddTo(command, withMasterkey: false);
        command.SetAction(r => CommandRunner.Run(() => Execute(
            r.GetValue(dir)!, r.GetValue(reverse), r.GetValue(scryptn), r.GetValue(longnamemax),
            r.GetValue(deterministic), r.GetValue(plaintextnames), password.Bind(r))));
        return command;
    }

    private static int Execute(DirectoryInfo dir, bool reverse, int scryptLogN, int longNameMax,
        bool deterministicNames, bool plaintextNames, PasswordSource passwordSource)
    {
        if (scryptLogN is < 10 or > 28)
            throw new CliException(ExitCodes.Usage, $"--scryptn {scryptLogN}: must be between 10 and 28");
        if (longNameMax is < 62 or > 255)
            throw new CliException(ExitCodes.Usage, $"--longnamemax {longNameMax}: must be between 62 and 255");
        if (plaintextNames && (deterministicNames || longNameMax != 255))
            throw new CliException(ExitCodes.Usage, "--plaintextnames cannot be combined with --deterministic-names or --longnamemax");
        if (!dir.Exists)
            throw new CliException(ExitCodes.BadDirectory, $"{dir.FullName}: no such directory");
        var path = Path.Combine(dir.FullName, reverse ? ConfigLocator.ReverseName : ConfigLocator.ForwardName);
        if (File.Exists(path))
            throw new CliException(ExitCodes.ConfigExists, $"{path} already exists; refusing to overwrite it");
        if (!reverse && dir.EnumerateFileSystemInfos().Any())
            throw new CliException(ExitCodes.BadDirectory, $"{dir.FullName} is not empty (a forward config needs an empty directory; for a backup of this directory use --reverse)");

        var password = passwordSource.ReadPassword("New password: ", confirm: true);
        using var key = MasterKey.Generate();
        var options = new ConfCreateOptions(reverse, scryptLogN, longNameMax == 255 ? 0 : longNameMax,
            deterministicNames, plaintextNames, $"ReverseCrypt {Program.Version}");
        ConfFile config;
        try
        {
            config = ConfFile.Create(key, password, options);
        }
        finally
        {
            Array.Clear(password);
        }
        try
        {
            config.WriteNew(path);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new CliException(ExitCodes.ConfigExists, $"{path} already exists; refusing to overwrite it", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.BadDirectory, $"cannot write {path}: {e.Message}", e);
        }
        Console.Error.WriteLine($"Created {path}.");
        if (!Console.IsOutputRedirected)
        {
            Console.Error.WriteLine("Your master key (write it down and keep it offline; it opens every backup even if the password is lost):");
            Console.WriteLine(MasterKeyText.Format(key));
        }
        else
        {
            Console.Error.WriteLine("Print the master key for a paper backup with 'reversecrypt masterkey'.");
        }
        return ExitCodes.Ok;
    }
}
