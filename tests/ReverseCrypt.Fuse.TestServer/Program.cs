using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReverseCrypt.Fuse;
using ReverseCrypt.Fuse.TestServer;

// ReverseCrypt.Fuse.TestServer MOUNTPOINT [--size BYTES] [--entries N] [--timeout SECONDS] [--direct-io] [--keep-cache]
//     [--no-xattr] [--background] [--fusermount] [--device PATH] [--threads N] [--log]
// The feature-rich server of the FUSE tests and bench/fuse/run.sh (samples/HelloFs is the teaching sample).
// Serves TestServerFileSystem until unmounted (umount, fusermount3 -u, SIGINT or SIGTERM). --log: the library's log
// lines (Information and up) on stderr.
// Exit codes: 0 ok, 2 usage, 21 mountpoint unusable, 22 mount failed, 23 unmount failed.
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: ReverseCrypt.Fuse.TestServer MOUNTPOINT [--size BYTES] [--entries N] [--timeout SECONDS] "
        + "[--direct-io] [--keep-cache] [--no-xattr] [--background] [--fusermount] [--device PATH] [--threads N] [--log]");
    return 2;
}
string Option(string name, string fallback) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
bool Flag(string name) => args.Contains(name);

if (Flag("--background") && !FuseBackground.IsChild)
{
    FuseBackgroundResult result = FuseBackground.Start(args, TimeSpan.FromSeconds(30));
    if (!result.Ready)
    {
        Console.Error.WriteLine(result.ErrorMessage);
        return result.ExitCode;
    }
    Console.WriteLine($"TestServer serving {args[0]} in the background (pid {result.ProcessId})");
    return 0;
}

var fileSystem = new TestServerFileSystem(
    bigSize: long.Parse(Option("--size", "1073741824")),
    manyEntries: int.Parse(Option("--entries", "1000")),
    timeout: TimeSpan.FromSeconds(double.Parse(Option("--timeout", "1"))),
    fileOpenFlags: (Flag("--direct-io") ? FuseOpenFlags.DirectIo : 0) | (Flag("--keep-cache") ? FuseOpenFlags.KeepCache : 0),
    xattrs: !Flag("--no-xattr"));
var options = new FuseMountOptions
{
    Subtype = "fusetestserver",
    FsName = "fusetestserver",
    ReaderThreads = int.Parse(Option("--threads", "2")),
    UseFusermount = Flag("--fusermount") ? true : null,
    DevicePath = Option("--device", "/dev/fuse"),
};
try
{
    using FuseMount mount = FuseMount.Mount(fileSystem, args[0], options,
        Flag("--log") ? new StderrLogger() : (ILogger)NullLogger.Instance);
    Console.WriteLine($"TestServer mounted at {mount.Mountpoint}");
    mount.RunUntilUnmounted();
    return 0;
}
catch (FuseMountException e)
{
    Console.Error.WriteLine($"TestServer: {e.Message}");
    return e.Kind switch
    {
        FuseMountErrorKind.MountpointMissing or FuseMountErrorKind.NotADirectory or FuseMountErrorKind.AlreadyMounted
            or FuseMountErrorKind.StaleMountpoint => 21,
        FuseMountErrorKind.Busy or FuseMountErrorKind.NotMounted => 23,
        _ => 22,
    };
}
