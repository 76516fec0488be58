using System.Globalization;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Operations.Remote;

/// <summary>
/// Checks an <c>rsync --server</c> command line for <see cref="ServeEndpoint"/> (in the manner of rsync's rrsync
/// helper: a whitelist of server options, the paths confined) and builds the clean argv that runs it. Only what
/// backup, verify (and --repair) and restore --from send is allowed: the short options <c>lHogDtpAXrRncIvzxSdWu</c>
/// and <c>e.CAPS</c>, <c>-@N</c> (--modify-window), and the long options listed in <see cref="Flags"/> and
/// <see cref="Valued"/>. Refused by name: batch files, --log-file, --write-devices, a remote --files-from (only
/// <c>-</c>), --remove-source-files, backups, -L/-k/-K (following symlinks), anything unknown.
/// <para>
/// A receiver (no <c>--sender</c>) writes only into <c>DEST/snapshots/NAME.incomplete/</c> (and, without
/// --append-only, into DEST itself and a committed snapshot: a mirror and verify --repair); with <c>-n</c>
/// (verify, a dry run) it may compare against any snapshot or DEST, since it changes nothing. --temp-dir and
/// --partial-dir must be in <c>DEST/.reversecrypt/</c>; --link-dest only <c>../NAME</c> of a committed snapshot and
/// never under --append-only. A sender reads anywhere inside DEST. No path may hold <c>..</c> or pass a symlink
/// below DEST. A receiver runs under <c>flock -x DEST/.reversecrypt/rsync.lock</c>, as the client's --rsync-path asks.
/// </para>
/// </summary>
public static class ServeRsync
{
    private const string ShortFlags = "lHogDtpAXrRncIvzxSdWu";

    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal)
    {
        "--server", "--sender", "--delete", "--delete-before", "--delete-during", "--delete-delay", "--delete-after",
        "--delete-missing-args", "--force", "--numeric-ids", "--inplace", "--from0", "--ignore-times", "--dry-run",
        "--checksum", "--partial", "--no-implied-dirs", "--no-W", "--no-whole-file",
    };

    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "--temp-dir", "--partial-dir", "--link-dest", "--files-from", "--modify-window", "--info", "--log-format",
        "--bwlimit", "--timeout", "--compress-level", "--compress-choice", "--max-delete", "--filter",
    };

    private static readonly Dictionary<string, string> Named = new(StringComparer.Ordinal)
    {
        ["--write-batch"] = "writes a batch file",
        ["--only-write-batch"] = "writes a batch file",
        ["--read-batch"] = "reads a batch file",
        ["--log-file"] = "writes a log file anywhere",
        ["--write-devices"] = "writes into devices",
        ["--remove-source-files"] = "deletes files it sends",
        ["--backup"] = "moves files aside",
        ["--backup-dir"] = "moves files aside",
        ["--suffix"] = "moves files aside",
        ["--copy-dest"] = "is not used by reversecrypt",
        ["--compare-dest"] = "is not used by reversecrypt",
        ["--keep-dirlinks"] = "follows symlinks",
        ["--copy-links"] = "follows symlinks",
        ["--copy-dirlinks"] = "follows symlinks",
        ["--copy-unsafe-links"] = "follows symlinks",
        ["--safe-links"] = "is not used by reversecrypt",
    };

    /// <summary>Checks <paramref name="words"/> (<c>rsync --server ...</c>) and returns the argv to run.
    /// Throws <see cref="ServeRefusedException"/>.</summary>
    public static (string Program, IReadOnlyList<string> Arguments) Check(ServeEndpoint endpoint, string real, IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(words);
        var options = new List<string>();
        var values = new List<(string Name, string Value, int Index)>();
        var sender = false;
        var dryRun = false;
        var i = 1;
        for (; i < words.Count && words[i] != "."; i++)
        {
            var word = words[i];
            if (word.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = word.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? word : word[..eq];
                if (Named.TryGetValue(name, out var why)) throw Refused($"rsync option {name} is not allowed (it {why})");
                if (Flags.Contains(name) && eq < 0)
                {
                    sender |= name == "--sender";
                    dryRun |= name == "--dry-run";
                    options.Add(word);
                }
                else if (Valued.Contains(name))
                {
                    string value;
                    if (eq >= 0)
                    {
                        value = word[(eq + 1)..];
                        options.Add(word);
                        values.Add((name, value, options.Count - 1));
                    }
                    else
                    {
                        if (i + 1 >= words.Count) throw Refused($"rsync option {name} lacks its value");
                        value = words[++i];
                        options.Add(name + "=" + value);
                        values.Add((name, value, options.Count - 1));
                    }
                }
                else
                {
                    throw Refused($"rsync option {DestinationOp.Printable(name)} is not allowed");
                }
            }
            else if (word.StartsWith('-') && word.Length > 1)
            {
                options.Add(word);
                for (var k = 1; k < word.Length; k++)
                {
                    var c = word[k];
                    if (c == 'e')
                    {
                        // The protocol's capability letters ("e.iLsfxCIvu"), not an option.
                        if (!word[(k + 1)..].All(x => char.IsAsciiLetterOrDigit(x) || x == '.'))
                            throw Refused($"rsync option {DestinationOp.Printable(word)} is not allowed");
                        break;
                    }
                    if (c == '@')
                    {
                        var separate = k + 1 == word.Length && i + 1 < words.Count;
                        var value = separate ? words[++i] : word[(k + 1)..];
                        if (separate) options.Add(value);
                        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                            throw Refused("rsync option -@ needs a number");
                        break;
                    }
                    if (!ShortFlags.Contains(c, StringComparison.Ordinal))
                        throw Refused($"rsync option -{DestinationOp.Printable(c.ToString())} is not allowed");
                    dryRun |= c == 'n';
                }
            }
            else
            {
                throw Refused($"rsync argument '{DestinationOp.Printable(word)}' is not an option");
            }
        }
        if (i >= words.Count) throw Refused("rsync --server without its '.' argument");
        var paths = words.Skip(i + 1).ToList();
        // rsync's option parser also takes options after the '.': no path may look like one.
        if (paths.FirstOrDefault(p => p.StartsWith('-')) is { } late)
            throw Refused($"rsync argument '{DestinationOp.Printable(late)}' after '.' looks like an option");
        if (paths.Count == 0 || (!sender && paths.Count != 1))
            throw Refused($"rsync --server needs {(sender ? "at least one path" : "exactly one destination path")}");

        foreach (var (name, value, index) in values)
        {
            switch (name)
            {
                case "--temp-dir" or "--partial-dir":
                    {
                        var relative = Inside(endpoint, real, value, name);
                        if (relative != DestinationLease.StateDirectory && !relative.StartsWith(DestinationLease.StateDirectory + "/", StringComparison.Ordinal))
                            throw Refused($"rsync {name} must be inside DEST/{DestinationLease.StateDirectory}/");
                        options[index] = $"{name}={ServeEndpoint.Join(real, relative)}";
                        break;
                    }
                case "--link-dest":
                    {
                        if (endpoint.AppendOnly) throw Refused(ServeEndpoint.HardlinkRefused + " (--link-dest)");
                        var snapshot = value.StartsWith("../", StringComparison.Ordinal) ? value[3..].TrimEnd('/') : "";
                        if (!SnapshotName.TryParse(snapshot, out var time) || SnapshotName.Format(time) != snapshot)
                            throw Refused("rsync --link-dest may only name ../SNAPSHOT");
                        ServeEndpoint.NoLinkBelow(real, ServeEndpoint.Snapshots(snapshot));
                        break;
                    }
                case "--filter":
                    // Only the receiver's copy of the XFS ACL rule (RsyncArguments.XfsAclNames): a filter could
                    // otherwise name a merge file to read on this machine.
                    if ("--filter=" + value != RsyncArguments.XfsAclNames)
                        throw Refused("rsync --filter is allowed only as " + RsyncArguments.XfsAclNames);
                    break;
                case "--files-from":
                    if (value != "-") throw Refused("rsync --files-from may only be '-' (the list comes from the client)");
                    break;
                case "--modify-window" or "--timeout" or "--compress-level" or "--max-delete" or "--bwlimit":
                    if (!value.All(c => char.IsAsciiDigit(c) || c is '-' or '.'))
                        throw Refused($"rsync {name} needs a number");
                    break;
                default:
                    // --info, --log-format: output formatting only.
                    if (value.Contains('/', StringComparison.Ordinal)) throw Refused($"rsync {name} value is not allowed");
                    break;
            }
        }

        var checkedPaths = new List<string>();
        foreach (var path in paths)
        {
            var relative = Inside(endpoint, real, path, sender ? "a path to read" : "the destination path");
            if (!sender) CheckTarget(endpoint, real, relative, dryRun);
            var full = ServeEndpoint.Join(real, relative);
            checkedPaths.Add(path.EndsWith('/') && !full.EndsWith('/') ? full + "/" : full);
        }

        List<string> argv = ["--server", .. options.Where(o => o != "--server"), ".", .. checkedPaths];
        var rsync = ChildProcess.Exists("rsync") ? "rsync" : throw Refused("rsync is not installed on this machine");
        var state = Path.Combine(real, DestinationLease.StateDirectory);
        if (!sender && !dryRun && Directory.Exists(state) && !ServeEndpoint.IsLink(state) && ChildProcess.Exists("flock"))
            return ("flock", ["-x", Path.Combine(state, "rsync.lock"), rsync, .. argv]);
        return (rsync, argv);
    }

    /// <summary>Where a receiver may write.</summary>
    private static void CheckTarget(ServeEndpoint endpoint, string real, string relative, bool dryRun)
    {
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var inSnapshots = parts.Length == 2 && parts[0] == SnapshotName.SnapshotsDirectory;
        var incomplete = inSnapshots && SnapshotName.TryParseIncomplete(parts[1], out _);
        var committed = inSnapshots && SnapshotName.TryParse(parts[1], out var time) && SnapshotName.Format(time) == parts[1];
        if (incomplete) return;
        if (dryRun && (committed || parts.Length == 0)) return;
        if (!endpoint.AppendOnly && (committed || parts.Length == 0)) return;
        throw Refused(endpoint.AppendOnly
            ? $"rsync may write only into DEST/{SnapshotName.SnapshotsDirectory}/NAME{SnapshotName.IncompleteSuffix}/ (append-only), not into {(relative.Length == 0 ? "DEST" : relative)}"
            : $"rsync may write only into DEST, a snapshot or DEST/{SnapshotName.SnapshotsDirectory}/NAME{SnapshotName.IncompleteSuffix}/, not into {relative}");
    }

    /// <summary>The path relative to DEST (as given to serve, or its real path), with no '..' and no symlink below DEST.</summary>
    private static string Inside(ServeEndpoint endpoint, string real, string path, string what)
    {
        if (path.Contains('\0', StringComparison.Ordinal)) throw Refused($"{what} holds a NUL");
        var absolute = path.StartsWith('/') ? path : Path.Combine(Environment.CurrentDirectory, path);
        var components = absolute.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".").ToList();
        if (components.Contains("..")) throw Refused($"'..' in {what} '{DestinationOp.Printable(path)}'");
        foreach (var root in new[] { real, endpoint.Given })
        {
            var rootParts = root.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (components.Count >= rootParts.Length && components.Take(rootParts.Length).SequenceEqual(rootParts, StringComparer.Ordinal))
            {
                var relative = string.Join('/', components.Skip(rootParts.Length));
                ServeEndpoint.NoLinkBelow(real, relative);
                return relative;
            }
        }
        throw Refused($"{what} '{DestinationOp.Printable(path)}' is outside DEST");
    }

    private static ServeRefusedException Refused(string message) => new($"refused: {message}");
}
