using ReverseCrypt.Fuse;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>Maps the FUSE library's mount errors to the documented exit codes.</summary>
public static class FuseMountErrors
{
    public static int ExitCodeOf(FuseMountErrorKind kind) => kind switch
    {
        FuseMountErrorKind.MountpointMissing or FuseMountErrorKind.NotADirectory or FuseMountErrorKind.AlreadyMounted
            or FuseMountErrorKind.StaleMountpoint => ExitCodes.MountpointUnusable,
        FuseMountErrorKind.Busy or FuseMountErrorKind.NotMounted => ExitCodes.UnmountFailed,
        _ => ExitCodes.MountFailed,
    };

    public static T Translate<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (FuseMountException e)
        {
            throw new CliException(ExitCodeOf(e.Kind), e.Message, e);
        }
    }

    public static void Translate(Action action) => Translate(() => { action(); return 0; });
}
