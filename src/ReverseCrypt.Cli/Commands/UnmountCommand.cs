using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Fuse;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt unmount`: unmounts a view; a busy mount is reported, not hidden (use --lazy to detach it).</summary>
public static class UnmountCommand
{
    public static Command Create()
    {
        var lazy = new Option<bool>("--lazy", "-z") { Description = "Detach even when busy; the view goes away when the last user closes it." };
        var mountPoint = new Argument<string>("MOUNTPOINT");
        var command = new Command("unmount", "Unmount a view mounted with 'reversecrypt mount'.") { lazy, mountPoint };
        command.Aliases.Add("umount");
        command.SetAction(r => CommandRunner.Run(() =>
        {
            FuseMountErrors.Translate(() => FuseMount.Unmount(r.GetValue(mountPoint)!, r.GetValue(lazy)));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
