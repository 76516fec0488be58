using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt info`: shows a config's settings; needs no password.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("DIR|FILE") { Description = "A directory holding a config, or the config file itself." };
        var command = new Command("info", "Show a config's creator, feature flags and scrypt parameters (no password needed).") { target };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var path = ConfigLocator.Resolve(r.GetValue(target)!);
            var config = KeyLoader.LoadConfig(path);
            Console.WriteLine($"Config:        {path}");
            Console.WriteLine($"Creator:       {config.Creator}");
            Console.WriteLine($"Version:       {config.Version}");
            Console.WriteLine($"FeatureFlags:  {string.Join(' ', config.FeatureFlags)}");
            Console.WriteLine($"Scrypt:        N={config.ScryptN} (2^{Math.Log2(config.ScryptN):0}) R={config.ScryptR} P={config.ScryptP} KeyLen={config.KeyLen}");
            if (config.LongNameMax != 0) Console.WriteLine($"LongNameMax:   {config.LongNameMax}");
            Console.WriteLine($"Reverse mode:  {(config.IsReverseCapable ? "yes (AES-SIV)" : "no (not AES-SIV)")}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
