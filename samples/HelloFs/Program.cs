using HelloFs;
using ReverseCrypt.Fuse;

// HelloFs MOUNTPOINT [--size BYTES] [--entries N] [--background]: serves HelloFileSystem at MOUNTPOINT until it is
// unmounted (umount, Ctrl-C or SIGTERM). Exit codes: 0 unmounted, 2 usage, 21 mountpoint unusable, 22 mount failed.
long size = 1L << 30;
int entries = 1000;
bool background = false, valid = args.Length > 0 && !args[0].StartsWith('-');
for (int i = 1; valid && i < args.Length; i++)
{
    valid = args[i] switch
    {
        "--size" => ++i < args.Length && long.TryParse(args[i], out size) && size >= 0,
        "--entries" => ++i < args.Length && int.TryParse(args[i], out entries) && entries is >= 0 and <= 1_000_000,
        "--background" => background = true,
        _ => false,
    };
}
if (!valid)
{
    Console.Error.WriteLine("usage: HelloFs MOUNTPOINT [--size BYTES (default 1 GiB)] [--entries N (0 to 1000000, default 1000)] [--background]");
    return 2;
}

// --background: .NET cannot fork, so FuseBackground starts a copy of this program (IsChild is true in the copy) and
// returns once the copy has mounted, or has failed (with the copy's error message and exit code).
if (background && !FuseBackground.IsChild)
{
    FuseBackgroundResult copy = FuseBackground.Start(args, TimeSpan.FromSeconds(30));
    if (!copy.Ready)
    {
        Console.Error.WriteLine(copy.ErrorMessage);
        return copy.ExitCode;
    }
    Console.WriteLine($"HelloFs serving {args[0]} in the background (pid {copy.ProcessId})");
    return 0;
}

try
{
    // Mount returns once the kernel's INIT is answered, so the mountpoint works from here on. Mounts are read-only by
    // default (writes get EROFS); Readdirplus Always: every listing request is READDIRPLUS (entries with attributes).
    var options = new FuseMountOptions { FsName = "hellofs", Subtype = "hellofs", Readdirplus = FuseReaddirplusMode.Always };
    using FuseMount mount = FuseMount.Mount(new HelloFileSystem(size, entries), args[0], options);
    Console.WriteLine($"HelloFs mounted at {mount.Mountpoint}");
    // Serve until unmounted: SIGINT/SIGTERM unmount (a busy mount keeps serving); READY=1 goes to systemd, if any.
    mount.RunUntilUnmounted();
    return 0;
}
catch (FuseMountException e)
{
    Console.Error.WriteLine($"HelloFs: {e.Message}");
    return e.Kind is FuseMountErrorKind.MountpointMissing or FuseMountErrorKind.NotADirectory
        or FuseMountErrorKind.AlreadyMounted or FuseMountErrorKind.StaleMountpoint ? 21 : 22;
}
