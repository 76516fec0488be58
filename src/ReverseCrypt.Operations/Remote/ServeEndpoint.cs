using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Operations.Remote;

/// <summary>
/// The remote side of <c>reversecrypt serve [--append-only] DEST</c>, the forced command of the source's key in the
/// remote's <c>authorized_keys</c>. It reads the command the client sent (<c>SSH_ORIGINAL_COMMAND</c>), accepts
/// exactly two kinds and refuses everything else (<see cref="ServeRefusedException"/>):
/// <list type="bullet">
/// <item>a destination step, <c>sh -c 'SCRIPT' reversecrypt-op NAME ARGS...</c> (<see cref="DestinationOp"/>): the
/// script text is ignored; NAME ARGS are parsed by the same <see cref="DestinationOp.Parse"/>, checked here
/// (<see cref="CheckOp"/>) and the step's own template is run for serve's DEST;</item>
/// <item><c>[flock -x LOCK] rsync --server ...</c>: checked by <see cref="ServeRsync"/> and run with a clean argv.</item>
/// </list>
/// Every path is confined to DEST: no <c>..</c>, no symlink in any component below DEST (checked with lstat). With
/// <c>--append-only</c> a committed snapshot can be neither deleted nor changed: rsync writes only into
/// <c>snapshots/NAME.incomplete/</c>, never with --link-dest (hard links would share committed inodes, so hardlink
/// snapshot mode is refused: btrfs or XFS with reflink is required; a linked reflink begin, a hard-link copy of the
/// previous snapshot, is carried out as a whole reflink copy), retention is refused (it is
/// <c>reversecrypt prune</c>'s, run on the remote), and a mirror (no snapshots) is refused.
/// </summary>
public sealed class ServeEndpoint
{
    /// <summary>The message for a step that needs hard links to committed snapshots.</summary>
    public const string HardlinkRefused = "append-only needs a destination on btrfs or XFS (reflink): in hardlink snapshot mode a new snapshot shares the committed snapshots' files, which rsync could change";

    public ServeEndpoint(string destination, bool appendOnly)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Given = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));
        AppendOnly = appendOnly;
    }

    /// <summary>DEST as an absolute path, as given.</summary>
    public string Given { get; }

    public bool AppendOnly { get; }

    /// <summary>DEST without symlinks (as it is now; DEST itself as given while it does not exist).</summary>
    public string Real => RealPath.Of(Given) is { } real ? Path.TrimEndingDirectorySeparator(real) : Given;

    /// <summary>
    /// The program and clean argv that carry out <paramref name="originalCommand"/>, or throws
    /// <see cref="ServeRefusedException"/> with the one-line reason.
    /// </summary>
    public (string Program, IReadOnlyList<string> Arguments) Prepare(string? originalCommand)
    {
        if (string.IsNullOrWhiteSpace(originalCommand))
            throw new ServeRefusedException("serve runs only as the forced command of an ssh key (SSH_ORIGINAL_COMMAND is not set): an interactive login is refused");
        IReadOnlyList<string> words;
        try
        {
            words = ServeWords.Split(originalCommand);
        }
        catch (FormatException e)
        {
            throw new ServeRefusedException($"refused '{Short(originalCommand)}': {e.Message}");
        }
        if (words.Count >= 4 && words[0] == "sh" && words[1] == "-c" && words[3] == DestinationOp.Marker)
        {
            DestinationOp op;
            try
            {
                op = DestinationOp.Parse([.. words.Skip(4)]);
            }
            catch (FormatException e)
            {
                throw new ServeRefusedException($"refused step: {e.Message}");
            }
            var real = Real;
            CheckOp(op, real);
            // A linked begin shares every committed inode through hard links, and serve cannot check that rsync
            // later writes only into the files given their own inodes: under --append-only it becomes a whole reflink
            // copy (its output says "start copy", so the client shows what happened; in place is as safe there).
            if (AppendOnly && op is { Name: "begin", LinkClone: true })
                op = DestinationOp.Begin(op.Snapshot!, op.Resume, op.Mode, op.Previous, linkClone: false);
            // A lease never runs steps sent on its input here: each step comes as a command of its own, checked above.
            return ("/bin/sh", ["-c", op.WithoutSteps().Script(real)]);
        }
        var rsync = words.Count >= 3 && words[0] == "flock" && words[1] == "-x" ? [.. words.Skip(3)] : words;
        if (rsync.Count >= 2 && rsync[0] == "rsync" && rsync[1] == "--server")
        {
            var real = Real;
            var checkedArgs = ServeRsync.Check(this, real, rsync);
            return checkedArgs;
        }
        throw new ServeRefusedException($"refused '{Short(originalCommand)}': only reversecrypt's own steps and rsync --server run here");
    }

    /// <summary>What serve allows of each step. To add a step: its case here (what it may touch, and whether
    /// --append-only allows it), besides its grammar in <see cref="DestinationOp.Parse"/>.</summary>
    private void CheckOp(DestinationOp op, string real)
    {
        foreach (var top in new[] { SnapshotName.SnapshotsDirectory, DestinationLease.StateDirectory })
            NotALink(real, top);
        switch (op.Name)
        {
            case "probe" or "lease":
                // A lease may print the probe (read-only); its steps are refused in Prepare (WithoutSteps).
                return;
            case "ensure":
                if (AppendOnly) throw new ServeRefusedException(MirrorRefused);
                return;
            case "hash":
                var under = op.Snapshot is null ? "" : Snapshots(op.Snapshot);
                foreach (var path in op.Paths) NoLinkBelow(real, Join(under, path));
                return;
            case "shared":
                foreach (var path in op.Paths)
                {
                    NoLinkBelow(real, Join(Snapshots(op.Snapshot!), path));
                    foreach (var other in op.Names) NoLinkBelow(real, Join(Snapshots(other), path));
                }
                return;
            case "begin":
                if (AppendOnly && op.Mode == SnapshotMode.Hardlink) throw new ServeRefusedException(HardlinkRefused);
                if (AppendOnly) RequireCloneFileSystem(real);
                MustNotExist(real, Snapshots(op.Snapshot!), "is a committed snapshot");
                NotALink(real, Snapshots(op.Snapshot!) + SnapshotName.IncompleteSuffix);
                if (op.Resume is { } resume) NotALink(real, Snapshots(resume) + SnapshotName.IncompleteSuffix);
                if (op.Previous is { } previous) NotALink(real, Snapshots(previous));
                return;
            case "keep":
                if (AppendOnly && op.Mode == SnapshotMode.Hardlink) throw new ServeRefusedException(HardlinkRefused);
                foreach (var path in op.Paths)
                {
                    NoLinkBelow(real, Join(Snapshots(op.Snapshot!) + SnapshotName.IncompleteSuffix, path));
                    if (op.Previous is { } earlier) NoLinkBelow(real, Join(Snapshots(earlier), path));
                }
                return;
            case "unlink":
                // Removes entries from the incomplete snapshot only (a symlink entry itself, never its target); a
                // committed snapshot is never touched. Every component above the removed entry must not be a link.
                NotALink(real, Snapshots(op.Snapshot!) + SnapshotName.IncompleteSuffix);
                foreach (var path in op.Paths)
                {
                    var slash = path.LastIndexOf('/');
                    if (slash > 0) NoLinkBelow(real, Join(Snapshots(op.Snapshot!) + SnapshotName.IncompleteSuffix, path[..slash]));
                }
                return;
            case "reflink":
                // Replaces regular files of the incomplete snapshot by reflink copies of themselves: reads them, writes
                // new inodes in DEST/.reversecrypt/reflink.tmp and renames those into the incomplete snapshot; a
                // committed snapshot's inode is only read. Every component above the entry must not be a link (the
                // script itself leaves a symlink entry alone but for removing it).
                NotALink(real, Snapshots(op.Snapshot!) + SnapshotName.IncompleteSuffix);
                NotALink(real, DestinationLease.StateDirectory + "/reflink.tmp");
                foreach (var path in op.Paths)
                {
                    var slash = path.LastIndexOf('/');
                    if (slash > 0) NoLinkBelow(real, Join(Snapshots(op.Snapshot!) + SnapshotName.IncompleteSuffix, path[..slash]));
                }
                return;
            case "commit":
                MustNotExist(real, Snapshots(op.Snapshot!), "is already committed");
                NotALink(real, Snapshots(op.Snapshot!) + SnapshotName.IncompleteSuffix);
                foreach (var stale in op.Names) NotALink(real, Snapshots(stale) + SnapshotName.IncompleteSuffix);
                return;
            case "delete":
                if (AppendOnly)
                    throw new ServeRefusedException("deleting snapshots is refused: the destination is append-only; retention runs on the remote with 'reversecrypt prune DEST --keep-...'");
                foreach (var name in op.Names) NotALink(real, Snapshots(name));
                return;
            default:
                throw new ServeRefusedException($"refused step '{op.Name}': serve has no rule for it");
        }
    }

    /// <summary>The message for a mirror (a backup without snapshots) under --append-only.</summary>
    public const string MirrorRefused = "append-only needs backup --snapshots: a mirror (no snapshots) is overwritten by every run";

    /// <summary>Refuses --append-only on a filesystem without reflink (a hardlink destination).</summary>
    internal static void RequireCloneFileSystem(string real)
    {
        var result = ChildProcess.Run("stat", ["-f", "-c", "%T", "--", real]);
        var type = result.Stdout.Trim();
        if (result.ExitCode == 0 && type is not ("btrfs" or "xfs"))
            throw new ServeRefusedException($"{HardlinkRefused} (DEST is on {type})");
    }

    internal static string Snapshots(string name) => SnapshotName.SnapshotsDirectory + "/" + name;

    internal static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + "/" + b;

    /// <summary>Refuses when DEST/<paramref name="relative"/> exists (lstat).</summary>
    private static void MustNotExist(string real, string relative, string what)
    {
        var full = Join(real, relative);
        if (File.Exists(full) || Directory.Exists(full) || IsLink(full))
            throw new ServeRefusedException($"refused: {relative} {what}");
    }

    /// <summary>Refuses when DEST/<paramref name="relative"/> is a symlink (lstat; a missing entry is fine).</summary>
    private static void NotALink(string real, string relative)
    {
        if (IsLink(Join(real, relative)))
            throw new ServeRefusedException($"refused: {relative} in DEST is a symlink");
    }

    /// <summary>Refuses when any component of DEST/<paramref name="relative"/> (below DEST) is a symlink.</summary>
    internal static void NoLinkBelow(string real, string relative)
    {
        var path = real;
        foreach (var component in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (component is "." or "..") throw new ServeRefusedException($"refused: '..' or '.' in {relative}");
            path = path == "/" ? "/" + component : path + "/" + component;
            if (IsLink(path)) throw new ServeRefusedException($"refused: {relative} goes through a symlink in DEST");
        }
    }

    internal static bool IsLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static string Short(string text) => DestinationOp.Printable(text.Length > 120 ? text[..120] + "..." : text);
}
