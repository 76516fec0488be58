using System.Text;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// The destination's directory layout and every change made to it outside rsync, each as one short POSIX sh script
/// run through <see cref="DestinationShell"/>:
/// <code>
/// DEST/snapshots/2025-06-01T021500Z/             a complete snapshot: a whole gocryptfs tree
/// DEST/snapshots/2025-06-02T021500Z.incomplete/  a run in progress or interrupted (resumed by the next run)
/// DEST/latest -> snapshots/2025-06-01T021500Z    switched (atomically, by rename) only after a complete run
/// </code>
/// Without snapshots DEST itself is the copy of the view.
/// </summary>
public sealed class SnapshotStore(DestinationShell shell)
{
    private readonly DestinationShell _shell = shell ?? throw new ArgumentNullException(nameof(shell));

    public BackupDestination Destination => _shell.Destination;

    /// <summary>The shell that runs the scripts on the destination.</summary>
    public DestinationShell Shell => _shell;

    private string Dest => ShellQuoting.QuotePath(Destination.Path);

    /// <summary>How many entries of DEST the probe lists (to recognise an interrupted first backup).</summary>
    public const int TopEntriesListed = 200;

    /// <summary>Reads the destination's state in one round trip. Changes nothing.</summary>
    public DestinationState Probe(CancellationToken cancellation = default)
    {
        var output = _shell.RunChecked(ProbeScript(), "reading the destination", BackupErrorKind.BadDestination, cancellation);
        var state = DestinationState.Parse(output);
        return Destination.IsRemote ? state : state with { HasRsync = true };
    }

    /// <summary>The probe: prints "dest dir|other|none", "nonempty yes", "config yes", "latest TARGET",
    /// "latest-not-a-link yes", "top NAME" for the first entries of DEST, one "entry NAME" per directory in DEST/snapshots, and "rsync yes|no".</summary>
    public string ProbeScript() => $$"""
        d={{Dest}}
        if [ -d "$d" ]; then echo 'dest dir'; elif [ -e "$d" ] || [ -L "$d" ]; then echo 'dest other'; else echo 'dest none'; fi
        if [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ]; then echo 'nonempty yes';
          ls -A "$d" 2>/dev/null | head -n {{TopEntriesListed}} | sed 's/^/top /'; fi
        if [ -e "$d/gocryptfs.conf" ]; then echo 'config yes'; fi
        if [ -L "$d/{{SnapshotName.LatestLink}}" ]; then printf 'latest %s\n' "$(readlink "$d/{{SnapshotName.LatestLink}}")";
        elif [ -e "$d/{{SnapshotName.LatestLink}}" ]; then echo 'latest-not-a-link yes'; fi
        if [ -d "$d/{{SnapshotName.SnapshotsDirectory}}" ]; then
          for f in "$d/{{SnapshotName.SnapshotsDirectory}}"/*; do
            if [ -d "$f" ] && [ ! -L "$f" ]; then printf 'entry %s\n' "${f##*/}"; fi
          done
        fi
        if command -v rsync >/dev/null 2>&1; then echo 'rsync yes'; else echo 'rsync no'; fi
        exit 0
        """;

    /// <summary>Creates DEST (and its parents) when missing: for a backup without snapshots.</summary>
    public void EnsureDestination(CancellationToken cancellation = default) =>
        _shell.RunChecked($"mkdir -p -- {Dest}", "creating the destination directory", cancellation: cancellation);

    /// <summary>Creates <c>snapshots/NAME.incomplete</c>, or renames the interrupted <paramref name="resumeFrom"/>
    /// to it so that rsync continues where that run stopped.</summary>
    public void Begin(string name, string? resumeFrom, CancellationToken cancellation = default)
    {
        var script = new StringBuilder("set -e\n");
        script.Append($"d={Dest}\n");
        script.Append($"mkdir -p -- \"$d\"/{SnapshotName.SnapshotsDirectory}\n");
        var target = Incomplete(name);
        if (resumeFrom is not null && resumeFrom != name)
            script.Append($"mv -T -- {Incomplete(resumeFrom)} {target}\n");
        else if (resumeFrom is null)
            script.Append($"mkdir -- {target}\n");
        if (resumeFrom is not null)
        {
            // Versions before 0.2 kept rsync's partial files inside the snapshot; such a leftover must not be committed.
            script.Append($"find {target} -name {RsyncArguments.LegacyPartialDir} -type d -prune -exec rm -rf -- {{}} +\n");
        }
        _shell.RunChecked(script.ToString(), "creating the snapshot directory", cancellation: cancellation);
    }

    /// <summary>
    /// Marks the snapshot complete and makes it <c>latest</c>: renames <c>NAME.incomplete</c> to <c>NAME</c>, then
    /// replaces the latest symlink by renaming a new one over it (never a moment without one). Leftover incomplete
    /// snapshots of other, older runs are removed afterwards.
    /// </summary>
    public void Commit(string name, IEnumerable<string> staleIncomplete)
    {
        ArgumentNullException.ThrowIfNull(staleIncomplete);
        var script = new StringBuilder("set -e\n");
        script.Append($"d={Dest}\n");
        script.Append($"mv -T -- {Incomplete(name)} {Complete(name)}\n");
        script.Append($"ln -sfn -- {ShellQuoting.Quote(SnapshotName.SnapshotsDirectory + "/" + name)} \"$d\"/.latest.new\n");
        script.Append($"mv -T -f -- \"$d\"/.latest.new \"$d\"/{SnapshotName.LatestLink}\n");
        foreach (var stale in staleIncomplete) script.Append($"rm -rf -- {Incomplete(stale)}\n");
        _shell.RunChecked(script.ToString(), "completing the snapshot");
    }

    /// <summary>Deletes complete snapshots (retention).</summary>
    public void Delete(IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0) return;
        var script = new StringBuilder($"d={Dest}\nrm -rf --");
        foreach (var name in names) script.Append(' ').Append(Complete(name));
        _shell.RunChecked(script.Append('\n').ToString(), "deleting old snapshots");
    }

    private static string Complete(string name) => CheckedPath(name, "");

    private static string Incomplete(string name) => CheckedPath(name, SnapshotName.IncompleteSuffix);

    private static string CheckedPath(string name, string suffix)
    {
        if (!SnapshotName.TryParse(name, out _)) throw new ArgumentException($"not a snapshot name: {name}", nameof(name));
        return $"\"$d\"/{SnapshotName.SnapshotsDirectory}/{name}{suffix}";
    }
}
