using System.Diagnostics;
using System.Text;
using ReverseCrypt.Crypto;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>
/// Where the password (or master key) comes from: --masterkey, --passfile, --extpass, a no-echo prompt on a terminal,
/// or the first line of standard input when it is not a terminal (as gocryptfs does).
/// Passwords are bytes: exactly what was typed, no trimming, no normalisation (docs/format.md 3.4).
/// </summary>
/// <param name="passfileOption">The option the passfiles came from, for messages ("--passfile", "--new-passfile").</param>
public sealed class PasswordSource(FileInfo[] passfiles, string? extpass, string? masterkeyText, string passfileOption = "--passfile")
{
    /// <summary>gocryptfs's maximum password length.</summary>
    public const int MaxPasswordLength = 2048;

    public bool HasMasterkey => masterkeyText is not null;

    /// <summary>The master key given with --masterkey, or null when the password is to be used. "--masterkey stdin"
    /// asks with a no-echo prompt on a terminal, else reads the first line of standard input.</summary>
    public MasterKey? ReadMasterkey()
    {
        if (masterkeyText is null) return null;
        var text = masterkeyText != "stdin" ? masterkeyText
            : Console.IsInputRedirected ? Console.In.ReadLine() ?? ""
            : Encoding.UTF8.GetString(PromptOnce("Master key: "));
        try
        {
            return MasterKeyText.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException(ExitCodes.Usage, $"--masterkey: {e.Message}");
        }
    }

    /// <summary>Reads the password; with <paramref name="confirm"/> a terminal prompt asks twice.</summary>
    public byte[] ReadPassword(string prompt = "Password: ", bool confirm = false)
    {
        if (passfiles.Length > 0 && extpass is not null)
            throw new CliException(ExitCodes.Usage, "--passfile and --extpass cannot be used together");
        byte[] password;
        if (passfiles.Length > 0) password = FromPassfiles();
        else if (extpass is not null) password = FromExtpass(extpass);
        else if (!Console.IsInputRedirected) password = FromTerminal(prompt, confirm);
        else password = FromStdin();
        if (password.Length == 0)
            throw new CliException(ExitCodes.PasswordUnavailable, "the password is empty");
        if (password.Length > MaxPasswordLength)
            throw new CliException(ExitCodes.PasswordUnavailable, $"the password is longer than {MaxPasswordLength} bytes");
        return password;
    }

    private byte[] FromPassfiles()
    {
        var all = new List<byte>();
        foreach (var file in passfiles)
        {
            byte[] content;
            // Checked first: reading a directory fails with a misleading "Access to the path is denied".
            if (Directory.Exists(file.FullName))
                throw new CliException(ExitCodes.PasswordUnavailable, $"{passfileOption} {file.FullName}: is a directory");
            try
            {
                content = File.ReadAllBytes(file.FullName);
            }
            catch (FileNotFoundException)
            {
                throw new CliException(ExitCodes.PasswordUnavailable, $"{passfileOption} {file.FullName}: no such file");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.PasswordUnavailable, $"cannot read passfile {file.FullName}: {e.Message}");
            }
            var line = FirstLine(content);
            if (line.Length == 0)
                throw new CliException(ExitCodes.PasswordUnavailable, $"passfile {file.FullName} is empty (its first line holds the password)");
            all.AddRange(line.ToArray());
        }
        return [.. all];
    }

    private static byte[] FromExtpass(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (Exception e)
        {
            throw new CliException(ExitCodes.PasswordUnavailable, $"--extpass: cannot run '{command}': {e.Message}");
        }
        using (process)
        {
            using var buffer = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(buffer);
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new CliException(ExitCodes.PasswordUnavailable, $"--extpass: '{command}' failed with exit code {process.ExitCode}");
            var line = FirstLine(buffer.ToArray());
            if (line.Length == 0)
                throw new CliException(ExitCodes.PasswordUnavailable, $"--extpass: '{command}' printed no password");
            return line.ToArray();
        }
    }

    private static byte[] FromStdin()
    {
        using var stdin = Console.OpenStandardInput();
        var bytes = new List<byte>();
        int b;
        while ((b = stdin.ReadByte()) >= 0 && b != '\n') bytes.Add((byte)b);
        if (bytes.Count == 0)
            throw new CliException(ExitCodes.PasswordUnavailable, "no password on standard input (use --passfile, --extpass or a terminal)");
        return [.. bytes];
    }

    private static byte[] FromTerminal(string prompt, bool confirm)
    {
        var first = PromptOnce(prompt);
        if (!confirm) return first;
        var second = PromptOnce("Repeat: ");
        if (!first.AsSpan().SequenceEqual(second))
            throw new CliException(ExitCodes.PasswordUnavailable, "the passwords do not match");
        return first;
    }

    private static byte[] PromptOnce(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; continue; }
            if (key.KeyChar != '\0') text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> content)
    {
        var end = content.IndexOf((byte)'\n');
        return end < 0 ? content : content[..end];
    }
}
