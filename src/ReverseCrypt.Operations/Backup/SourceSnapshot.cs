using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ReverseCrypt.Operations.Backup;

/// <summary>What <c>--source-snapshot</c> snapshots the source with.</summary>
public enum SourceSnapshotKind
{
    Btrfs,
    Lvm,
}

/// <summary>
/// <c>backup --source-snapshot btrfs|lvm</c>: a read-only snapshot of the source taken before the view is mounted,
/// backed up instead of the live tree, and removed afterwards in every case (success, failure, SIGINT/SIGTERM: the
/// caller disposes it on the way out; after a SIGKILL or a power loss the next run finds it by its fixed name and
/// removes it first). The backup of the snapshot has the same cipher paths as a backup of the source itself: the view's
/// root is the snapshot's copy of the source directory, checked by <see cref="ViewRoot"/>.
/// <list type="bullet">
/// <item>btrfs: the source must be a subvolume; <c>btrfs subvolume snapshot -r SOURCE PARENT/.reversecrypt-snap-TAG</c>,
/// next to the source (same filesystem, and the source itself is not touched). When the source is the root of a mount
/// (e.g. a subvolume mounted with subvol=), its parent is another filesystem: the snapshot is then made inside the
/// source (it does not contain itself), and the source's modification time, which adding and removing the snapshot
/// changes, is put back afterwards so that verify sees no change;</item>
/// <item>lvm: the source may be any directory of an ext4/XFS/... filesystem on a logical volume;
/// <c>lvcreate -s -n reversecrypt-snap-TAG -L SIZE VG/LV</c> (or <c>-l 10%ORIGIN</c>), mounted read-only (XFS:
/// ro,nouuid) on RUNTIME/.reversecrypt-snap-TAG; the view root is the same directory below that mount.</item>
/// </list>
/// TAG is the source directory's name and 8 hex digits of a hash of its full path and the destination: stable from run
/// to run of one job (the destination lock keeps two runs of it apart), different for two sources or for two
/// destinations of one source (whose runs may overlap and must not remove each other's snapshot).
/// </summary>
public sealed class SourceSnapshot : IDisposable
{
    /// <summary>The default of --source-snapshot-size (lvm): a tenth of the origin volume.</summary>
    public const string DefaultLvmSize = "10%ORIGIN";

    private const string Prefix = ".reversecrypt-snap-";
    private const string LvPrefix = "reversecrypt-snap-";

    private readonly Action<string> _warn;
    private bool _removed;

    /// <summary>btrfs inside the source: the source's mtime before the snapshot (seconds.nanoseconds).</summary>
    private string? _sourceMtime;

    private SourceSnapshot(SourceSnapshotKind kind, string source, string path, string viewRoot, string? lv, Action<string> warn)
    {
        Kind = kind;
        Source = source;
        Path = path;
        ViewRoot = viewRoot;
        LogicalVolume = lv;
        _warn = warn;
    }

    public SourceSnapshotKind Kind { get; }

    /// <summary>The live source directory.</summary>
    public string Source { get; }

    /// <summary>The btrfs snapshot, or the mountpoint of the LVM snapshot.</summary>
    public string Path { get; }

    /// <summary>The snapshot's copy of the source directory: what the view serves.</summary>
    public string ViewRoot { get; }

    /// <summary>VG/LV of the LVM snapshot (null for btrfs).</summary>
    public string? LogicalVolume { get; }

    public static bool TryParse(string? text, out SourceSnapshotKind kind)
    {
        switch (text)
        {
            case "btrfs": kind = SourceSnapshotKind.Btrfs; return true;
            case "lvm": kind = SourceSnapshotKind.Lvm; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>The fixed part of the names: the source's directory name and a hash of its full path and DESTINATION.</summary>
    public static string Tag(string source, string destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(source));
        var name = new StringBuilder();
        foreach (var c in System.IO.Path.GetFileName(full))
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '+' ? c : '_');
        if (name.Length == 0) name.Append("root");
        if (name.Length > 40) name.Length = 40;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full + "\0" + destination)))[..8];
        return $"{name}.{hash}";
    }

    /// <summary>Where a btrfs snapshot of SOURCE is made (and looked for after a killed run): next to SOURCE, or inside
    /// it when SOURCE is a mount point.</summary>
    public static string BtrfsPath(string source, string destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        source = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(source));
        var parent = System.IO.Path.GetDirectoryName(source);
        var dir = parent is null || IsMountpoint(source) ? source : parent;
        return System.IO.Path.Combine(dir, Prefix + Tag(source, destination));
    }

    /// <summary>The mountpoint of the LVM snapshot of SOURCE.</summary>
    public static string LvmMountpoint(string source, string destination) =>
        System.IO.Path.Combine(ViewRuntimeDirectory.SharedBase(), Prefix + Tag(source, destination));

    /// <summary>The name of the LVM snapshot volume of SOURCE.</summary>
    public static string LvmName(string source, string destination) => LvPrefix + Tag(source, destination);

    /// <summary>
    /// Removes what a killed earlier run left for SOURCE, then takes the snapshot. Throws
    /// <see cref="BackupException"/> (<see cref="BackupErrorKind.SourceSnapshot"/>) when it cannot; then nothing is left.
    /// <paramref name="size"/> is lvcreate's -L SIZE, or -l when it contains '%'.
    /// </summary>
    public static SourceSnapshot Create(SourceSnapshotKind kind, string source, string destination, string? size,
        Action<string> warn, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(warn);
        source = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(source));
        return kind == SourceSnapshotKind.Btrfs
            ? CreateBtrfs(source, destination, warn, cancellation)
            : CreateLvm(source, destination, size ?? DefaultLvmSize, warn, cancellation);
    }

    private static BackupException Fail(string message, Exception? inner = null) =>
        new(BackupErrorKind.SourceSnapshot, "--source-snapshot: " + message, inner);

    private static ChildResult Tool(string program, IEnumerable<string> arguments, CancellationToken cancellation)
    {
        try
        {
            return ChildProcess.Run(program, arguments, cancellation);
        }
        catch (BackupException e) when (e.Kind == BackupErrorKind.ToolMissing)
        {
            throw new BackupException(BackupErrorKind.ToolMissing,
                $"--source-snapshot: {program} is missing ({(program == "btrfs" ? "package btrfs-progs" : program is "lvcreate" or "lvs" or "lvremove" ? "package lvm2" : "package util-linux")})", e);
        }
    }

    private static string FirstLine(ChildResult r)
    {
        var text = (r.Stderr.Length > 0 ? r.Stderr : r.Stdout).Trim();
        var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return line.Length > 0 ? line : $"exit code {r.ExitCode}";
    }

    private static SourceSnapshot CreateBtrfs(string source, string destination, Action<string> warn, CancellationToken cancellation)
    {
        if (!Directory.Exists(source)) throw new BackupException(BackupErrorKind.BadSource, $"{source}: no such directory");
        var show = Tool("btrfs", ["subvolume", "show", source], cancellation);
        if (show.ExitCode != 0)
            throw Fail($"{source} is not a btrfs subvolume ({FirstLine(show)}); make it one (btrfs subvolume create) or give its subvolume as the source");
        var path = BtrfsPath(source, destination);
        RemoveStaleBtrfs(path, warn, cancellation);
        // Inside the source, adding the snapshot changes the source's mtime: noted now, put back after the removal.
        string? mtime = null;
        if (System.IO.Path.GetDirectoryName(path) == source)
        {
            var stat = Tool("stat", ["-c", "%.9Y", source], cancellation);
            mtime = stat.ExitCode == 0 ? stat.Stdout.Trim() : null;
        }
        // Not cancelled half-way: a signal now is seen by the caller once the snapshot exists and can be removed.
        var made = Tool("btrfs", ["subvolume", "snapshot", "-r", source, path], CancellationToken.None);
        if (made.ExitCode != 0)
            throw Fail($"btrfs subvolume snapshot -r {source} {path} failed: {FirstLine(made)}");
        return new SourceSnapshot(SourceSnapshotKind.Btrfs, source, path, path, null, warn) { _sourceMtime = mtime };
    }

    private static void RemoveStaleBtrfs(string path, Action<string> warn, CancellationToken cancellation)
    {
        if (!Directory.Exists(path) && !File.Exists(path)) return;
        if (Tool("btrfs", ["subvolume", "show", path], cancellation).ExitCode != 0)
            throw Fail($"{path} exists and is not a snapshot of ours (not a subvolume); move it away");
        var r = Tool("btrfs", ["subvolume", "delete", path], cancellation);
        if (r.ExitCode != 0) throw Fail($"cannot remove the snapshot {path} left by a killed run: {FirstLine(r)}");
        warn($"removed the source snapshot {path} left by a killed run");
    }

    private static SourceSnapshot CreateLvm(string source, string destination, string size, Action<string> warn, CancellationToken cancellation)
    {
        if (!Directory.Exists(source)) throw new BackupException(BackupErrorKind.BadSource, $"{source}: no such directory");
        var mountpoint = LvmMountpoint(source, destination);
        var name = LvmName(source, destination);
        var found = Tool("findmnt", ["-n", "-P", "-o", "SOURCE,TARGET,FSTYPE", "-T", source], cancellation);
        var fields = ParsePairs(found.Stdout);
        if (found.ExitCode != 0 || !fields.TryGetValue("SOURCE", out var device) || !fields.TryGetValue("TARGET", out var target))
            throw Fail($"cannot find the filesystem of {source} (findmnt: {FirstLine(found)})");
        var fsType = fields.GetValueOrDefault("FSTYPE", "");
        var lvs = Tool("lvs", ["--noheadings", "--separator", "|", "-o", "vg_name,lv_name", device], cancellation);
        var vgLv = lvs.Stdout.Trim().Split('|');
        if (lvs.ExitCode != 0 || vgLv.Length != 2 || vgLv[0].Length == 0)
            throw Fail($"{source} is on {device} ({target}), which is not an LVM logical volume ({FirstLine(lvs)})");
        var vg = vgLv[0].Trim();
        var origin = $"{vg}/{vgLv[1].Trim()}";
        var snapshotLv = $"{vg}/{name}";
        var relative = System.IO.Path.GetRelativePath(target, source);
        RemoveStaleLvm(mountpoint, snapshotLv, warn, cancellation);

        var sizeArgs = size.Contains('%', StringComparison.Ordinal) ? new[] { "-l", size } : ["-L", size];
        var made = Tool("lvcreate", ["-q", "-s", "-n", name, .. sizeArgs, origin], CancellationToken.None);
        if (made.ExitCode != 0)
            throw Fail($"lvcreate -s -n {name} {string.Join(' ', sizeArgs)} {origin} failed: {FirstLine(made)}");
        var snapshot = new SourceSnapshot(SourceSnapshotKind.Lvm, source, mountpoint, System.IO.Path.GetFullPath(System.IO.Path.Combine(mountpoint, relative)), snapshotLv, warn);
        try
        {
            Directory.CreateDirectory(ViewRuntimeDirectory.SharedBase(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.CreateDirectory(mountpoint, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var options = fsType == "xfs" ? "ro,nouuid" : "ro";
            var mounted = Tool("mount", ["-o", options, "/dev/" + snapshotLv, mountpoint], CancellationToken.None);
            if (mounted.ExitCode != 0)
                throw Fail($"mount -o {options} /dev/{snapshotLv} {mountpoint} failed: {FirstLine(mounted)}");
            if (!Directory.Exists(snapshot.ViewRoot))
                throw Fail($"the snapshot of {target} has no {relative} (expected {snapshot.ViewRoot})");
            return snapshot;
        }
        catch
        {
            snapshot.Remove();
            throw;
        }
    }

    private static void RemoveStaleLvm(string mountpoint, string snapshotLv, Action<string> warn, CancellationToken cancellation)
    {
        if (IsMountpoint(mountpoint))
        {
            var u = Tool("umount", [mountpoint], cancellation);
            if (u.ExitCode != 0) throw Fail($"cannot unmount {mountpoint} left by a killed run: {FirstLine(u)}");
            warn($"unmounted the source snapshot {mountpoint} left by a killed run");
        }
        if (Directory.Exists(mountpoint)) ViewRuntimeDirectory.Remove(mountpoint);
        if (Tool("lvs", ["--noheadings", "-o", "lv_name", snapshotLv], cancellation).ExitCode == 0)
        {
            var r = Tool("lvremove", ["-q", "-f", snapshotLv], cancellation);
            if (r.ExitCode != 0) throw Fail($"cannot remove the snapshot volume {snapshotLv} left by a killed run: {FirstLine(r)}");
            warn($"removed the snapshot volume {snapshotLv} left by a killed run");
        }
    }

    private static bool IsMountpoint(string path) =>
        Directory.Exists(path) && ChildProcess.Run("findmnt", ["-n", "-M", path]).ExitCode == 0;

    /// <summary>findmnt -P output: KEY="value" pairs, \xNN escapes in the values.</summary>
    internal static Dictionary<string, string> ParsePairs(string line)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = line.Split('\n')[0];
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && text[i] == ' ') i++;
            var eq = text.IndexOf("=\"", i, StringComparison.Ordinal);
            if (eq < 0) break;
            var key = text[i..eq];
            var end = text.IndexOf('"', eq + 2);
            if (end < 0) break;
            var raw = text[(eq + 2)..end];
            var bytes = new List<byte>();
            for (var k = 0; k < raw.Length; k++)
            {
                if (raw[k] == '\\' && k + 3 < raw.Length && raw[k + 1] == 'x'
                    && byte.TryParse(raw.AsSpan(k + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
                {
                    bytes.Add(b);
                    k += 3;
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(raw[k].ToString()));
                }
            }
            result[key] = Encoding.UTF8.GetString([.. bytes]);
            i = end + 1;
        }
        return result;
    }

    /// <summary>
    /// Removes the snapshot (btrfs subvolume delete; LVM: umount, rmdir, lvremove). Never throws: a failure is
    /// returned as one line (the next run removes what is left) and given to the warning callback.
    /// </summary>
    public string? Remove()
    {
        if (_removed) return null;
        _removed = true;
        string? failure = null;
        if (Kind == SourceSnapshotKind.Btrfs)
        {
            var r = ChildProcess.Run("btrfs", ["subvolume", "delete", Path]);
            if (r.ExitCode != 0) failure = $"btrfs subvolume delete {Path} failed: {FirstLine(r)}";
            else if (_sourceMtime is not null) ChildProcess.Run("touch", ["-m", "-d", "@" + _sourceMtime, "--", Source]);
        }
        else
        {
            if (IsMountpoint(Path))
            {
                var u = ChildProcess.Run("umount", [Path]);
                if (u.ExitCode != 0)
                {
                    // Busy (a process still reads it): detach it now, the kernel lets go when the last user does.
                    u = ChildProcess.Run("umount", ["-l", Path]);
                    if (u.ExitCode != 0) failure = $"umount {Path} failed: {FirstLine(u)}";
                }
            }
            ViewRuntimeDirectory.Remove(Path);
            if (failure is null)
            {
                var r = ChildProcess.Run("lvremove", ["-q", "-f", LogicalVolume!]);
                if (r.ExitCode != 0) failure = $"lvremove -f {LogicalVolume} failed: {FirstLine(r)}";
            }
        }
        if (failure is not null)
        {
            failure = $"cannot remove the source snapshot ({failure}); the next run removes it";
            _warn(failure);
        }
        return failure;
    }

    public void Dispose() => Remove();
}
