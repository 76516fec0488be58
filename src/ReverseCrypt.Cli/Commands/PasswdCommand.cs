using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt passwd`: re-wraps the master key under a new password (the key and the data stay the same).</summary>
public static class PasswdCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("DIR|FILE") { Description = "A directory holding a config, or the config file itself." };
        var newPassfile = new Option<FileInfo[]>("--new-passfile") { Description = "Read the new password from the first line of FILE.", HelpName = "FILE" };
        var password = new PasswordOptions();
        var command = new Command("passwd", "Change the password of a config (re-wraps the master key; no data changes).") { target, newPassfile };
        password.AddTo(command);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var path = ConfigLocator.Resolve(r.GetValue(target)!);
            var config = KeyLoader.LoadConfig(path);
            var source = password.Bind(r);
            using var key = source.ReadMasterkey() ?? KeyLoader.Unlock(config, path, source.ReadPassword("Old password: "));
            var newSource = new PasswordSource(r.GetValue(newPassfile) ?? [], null, null, "--new-passfile");
            var newPassword = newSource.ReadPassword("New password: ", confirm: true);
            try
            {
                config.Rewrap(key, newPassword);
            }
            finally
            {
                Array.Clear(newPassword);
            }
            try
            {
                config.Replace(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.BadDirectory, $"cannot replace {path}: {e.Message}", e);
            }
            Console.Error.WriteLine($"Password changed in {path}.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
