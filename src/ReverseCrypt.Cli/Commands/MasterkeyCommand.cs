using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt masterkey`: prints the master key for a paper backup.</summary>
public static class MasterkeyCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("DIR|FILE") { Description = "A directory holding a config, or the config file itself." };
        var password = new PasswordOptions();
        var command = new Command("masterkey", "Print the master key in gocryptfs's grouped hex form, for a paper backup.") { target };
        password.AddTo(command, withMasterkey: false);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var path = ConfigLocator.Resolve(r.GetValue(target)!);
            var config = KeyLoader.LoadConfig(path);
            using var key = KeyLoader.Unlock(config, path, password.Bind(r).ReadPassword());
            Console.Error.WriteLine("WARNING: anyone who sees this key can decrypt every backup made with this config. Keep it offline.");
            Console.WriteLine(MasterKeyText.Format(key));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
