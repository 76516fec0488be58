using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>Runs a command body and turns every expected failure into one line on stderr and a documented exit code.</summary>
public static class CommandRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliException e)
        {
            return Fail(e.ExitCode, e.Message);
        }
        catch (ConfigException e)
        {
            return Fail(e.Kind == ConfigErrorKind.Missing ? ExitCodes.ConfigMissing : ExitCodes.ConfigInvalid, e.Message);
        }
        catch (WrongPasswordException e)
        {
            return Fail(ExitCodes.WrongPassword, e.Message);
        }
    }

    public static int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine($"reversecrypt: {message}");
        return exitCode;
    }
}
