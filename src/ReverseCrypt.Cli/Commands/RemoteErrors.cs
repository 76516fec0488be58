using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Operations.Backup;
using ReverseCrypt.Operations.Remote;

namespace ReverseCrypt.Cli.Commands;

/// <summary>Maps the failures of reading a destination (snapshots, restore --from) to documented exit codes.</summary>
internal static class RemoteErrors
{
    public static T Map<T>(Func<T> action)
    {
        try
        {
            return BackupCommand.Map(action);
        }
        catch (NotInBackupException e)
        {
            throw new CliException(ExitCodes.NotInBackup, e.Message, e);
        }
    }
}
