using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Operations.Paths;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt path`: maps a path between plaintext and an encrypted copy, without a mount.</summary>
public static class PathCommand
{
    public static Command Create()
    {
        var decrypt = new Option<string?>("--decrypt") { Description = "Cipher path (as in the copy) to plaintext path.", HelpName = "CIPHERPATH" };
        var encrypt = new Option<string?>("--encrypt") { Description = "Plaintext path to cipher path (\\xNN for non-UTF-8 bytes).", HelpName = "PLAINPATH" };
        var config = new Option<FileInfo?>("--config") { Description = "Config file (default: CIPHERDIR/gocryptfs.conf).", HelpName = "FILE" };
        var cipherDir = new Argument<string>("CIPHERDIR");
        var password = new PasswordOptions();
        var command = new Command("path", "Map a path between the plaintext and an encrypted copy (to pick files for 'restore --path').")
        {
            decrypt, encrypt, config, cipherDir,
        };
        password.AddTo(command);
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var toPlain = r.GetValue(decrypt);
            var toCipher = r.GetValue(encrypt);
            if ((toPlain is null) == (toCipher is null))
                throw new CliException(ExitCodes.Usage, "give exactly one of --decrypt CIPHERPATH or --encrypt PLAINPATH");
            if (!BytePath.TryParseDisplay(toPlain ?? toCipher!, out var input))
                throw new CliException(ExitCodes.Usage, $"{toPlain ?? toCipher}: not a valid path");
            var dir = r.GetValue(cipherDir)!;
            using var key = CipherTreeKey.Open(password.Bind(r), dir, r.GetValue(config)?.FullName);
            using var core = key.CreateCore();
            var mapping = CipherTreeKey.Guard(() => toPlain is not null
                ? PathMapper.Decrypt(Path.GetFullPath(dir), core, input)
                : PathMapper.Encrypt(Path.GetFullPath(dir), core, input));
            if (mapping.Problem is not null)
                return CommandRunner.Fail(ExitCodes.DataDamaged, mapping.Problem.ToString());
            if (mapping.Text is null)
                return CommandRunner.Fail(ExitCodes.Usage, $"{toPlain ?? toCipher}: not found in {dir}");
            Console.WriteLine(mapping.Text);
            if (!mapping.Exists) Console.Error.WriteLine("reversecrypt: note: this path does not exist in the copy (mapped with reverse-mode IVs)");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
