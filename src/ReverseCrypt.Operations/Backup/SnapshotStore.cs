using System.Text;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// The destination's directory layout and every change made to it outside rsync, each as one short POSIX sh script
/// (the template of a <see cref="DestinationOp"/>) run through <see cref="DestinationShell"/>:
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

    /// <summary>How many entries of DEST the probe lists (to recognise an interrupted first backup).</summary>
    public const int TopEntriesListed = 200;

    /// <summary>Reads the destination's state in one round trip. Changes nothing.</summary>
    public DestinationState Probe(CancellationToken cancellation = default) => Probe(detectClones: false, cancellation);

    /// <summary>Reads the destination's state in one round trip; with <paramref name="detectClones"/> (a writer
    /// holding the lock) it also finds out whether the destination can clone files (a reflink copy of a small
    /// file in <c>DEST/.reversecrypt/</c>) and whether it is btrfs with the btrfs tool.</summary>
    public DestinationState Probe(bool detectClones, CancellationToken cancellation = default) =>
        ParseProbe(_shell.RunChecked(DestinationOp.Probe(detectClones), "reading the destination", BackupErrorKind.BadDestination, cancellation));

    /// <summary>The state that a probe's output (<see cref="ProbeScript"/>, here or from a lease: see
    /// <see cref="DestinationLease.ProbeOutput"/>) describes.</summary>
    public DestinationState ParseProbe(string output)
    {
        var state = DestinationState.Parse(output);
        return Destination.IsRemote ? state : state with { HasRsync = true };
    }

    /// <summary>The probe: prints "dest dir|other|none", "nonempty yes", "config yes", "latest TARGET",
    /// "latest-not-a-link yes", "top NAME" for the first entries of DEST, one "entry NAME" per directory in DEST/snapshots, and "rsync yes|no".</summary>
    public static string ProbeScript(string destinationPath, bool detectClones = false) => $$"""
        d={{ShellQuoting.QuotePath(destinationPath)}}
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
        {{(detectClones ? CloneProbe : "")}}
        exit 0
        """;

    /// <summary>Prints "fs TYPE", "btrfs-tool yes", "reflink yes", "cloned NAME" for each incomplete snapshot that
    /// was started as a clone (its marker <c>DEST/.reversecrypt/NAME.clone</c>) and "linked NAME" for each that was
    /// started as a hard-link copy (<c>NAME.linked</c>).</summary>
    private const string CloneProbe = """
        if [ -d "$d" ]; then
          printf 'fs %s\n' "$(stat -f -c %T "$d" 2>/dev/null)"
          if command -v btrfs >/dev/null 2>&1; then echo 'btrfs-tool yes'; fi
          s="$d/.reversecrypt"
          if [ -d "$s" ]; then
            rm -f "$s/reflink-probe" "$s/reflink-probe.copy"
            if echo probe > "$s/reflink-probe" 2>/dev/null && cp --reflink=always "$s/reflink-probe" "$s/reflink-probe.copy" 2>/dev/null; then echo 'reflink yes'; fi
            rm -f "$s/reflink-probe" "$s/reflink-probe.copy"
            for f in "$s"/*.clone; do if [ -f "$f" ]; then n=${f##*/}; printf 'cloned %s\n' "${n%.clone}"; fi; done
            for f in "$s"/*.linked; do if [ -f "$f" ]; then n=${f##*/}; printf 'linked %s\n' "${n%.linked}"; fi; done
          fi
        fi
        """;

    /// <summary>Creates DEST (and its parents) when missing: for a backup without snapshots.</summary>
    public void EnsureDestination(CancellationToken cancellation = default) =>
        _shell.RunChecked(DestinationOp.Ensure(), "creating the destination directory", cancellation: cancellation);

    /// <summary>
    /// Creates <c>snapshots/NAME.incomplete</c>, or renames the interrupted <paramref name="resumeFrom"/> to it so that
    /// rsync continues where that run stopped. With a clone <paramref name="mode"/> and a <paramref name="previous"/>
    /// snapshot, a new one starts as a clone of it (a btrfs snapshot of its subvolume, else a reflink copy) and a
    /// marker <c>DEST/.reversecrypt/NAME.clone</c> records that rsync may update its files in place; a plain new
    /// one is a subvolume (btrfs) or a directory. A resumed snapshot keeps its marker (renamed with it).
    /// </summary>
    /// <remarks>With <paramref name="linkCloneRemovals"/> (a change-driven hardlink or reflink run) a new snapshot starts
    /// as a hard-link copy of <paramref name="previous"/> (<c>cp -al</c>, marked <c>DEST/.reversecrypt/NAME.linked</c>
    /// before the first link exists), and those cipher paths are then removed from it (<see cref="DestinationOp.Unlink"/>
    /// steps of at most about 64 KiB each, over the same connection); in reflink mode each of
    /// <paramref name="linkCloneReflinks"/> is replaced by a reflink copy of itself (<see cref="DestinationOp.Reflink"/>),
    /// so that rsync can update it in place without touching an inode an older snapshot holds. A linked snapshot is
    /// never resumed (see <see cref="DestinationState.LinkedIncomplete"/>).</remarks>
    /// <returns>How the snapshot started, as the destination reports it (a linked begin falls back to a whole copy
    /// where hard links cannot reach the previous snapshot).</returns>
    public SnapshotStart Begin(string name, string? resumeFrom, SnapshotMode mode = SnapshotMode.Hardlink, string? previous = null,
        IReadOnlyList<byte[]>? linkCloneRemovals = null, IReadOnlyList<byte[]>? linkCloneReflinks = null, CancellationToken cancellation = default)
    {
        var asked = Asked(resumeFrom, mode, previous, linkCloneRemovals is not null);
        var output = _shell.RunChecked(DestinationOp.Begin(name, resumeFrom, mode, previous, asked == SnapshotStart.Linked), "creating the snapshot directory",
            BackupErrorKind.DestinationFailed, cancellation);
        var start = ParseStart(output, asked);
        if (start != SnapshotStart.Linked) return start;
        IReadOnlyList<byte[]> reflinks = linkCloneReflinks ?? [];
        IReadOnlyList<byte[]> removals = mode == SnapshotMode.Reflink ? linkCloneRemovals! : [.. linkCloneRemovals!, .. reflinks];
        foreach (var chunk in RemovalChunks(removals))
            _shell.RunChecked(DestinationOp.Unlink(name, chunk), "removing changed paths from the snapshot", BackupErrorKind.DestinationFailed, cancellation);
        if (mode != SnapshotMode.Reflink) return start;
        foreach (var chunk in RemovalChunks(reflinks))
            _shell.RunChecked(DestinationOp.Reflink(name, chunk), "giving changed files of the snapshot their own inodes", BackupErrorKind.DestinationFailed, cancellation);
        return start;
    }

    /// <summary>How <see cref="Begin"/> asks the destination to start a snapshot (<paramref name="linked"/>: with the
    /// removals of a change-driven run); the destination reports what it did, which for a linked copy may be a whole
    /// copy instead.</summary>
    internal static SnapshotStart Asked(string? resumeFrom, SnapshotMode mode, string? previous, bool linked) =>
        resumeFrom is not null ? SnapshotStart.Resumed
        : linked && previous is not null && mode is SnapshotMode.Hardlink or SnapshotMode.Reflink ? SnapshotStart.Linked
        : mode.IsClone() && previous is not null ? SnapshotStart.Copy
        : SnapshotStart.Empty;

    /// <summary>The last "start WORD" line of a begin step's output; <paramref name="asked"/> when there is none (an
    /// older serve prints none).</summary>
    internal static SnapshotStart ParseStart(string output, SnapshotStart asked)
    {
        var start = asked;
        foreach (var line in (output ?? "").Split('\n'))
        {
            foreach (var candidate in Enum.GetValues<SnapshotStart>())
            {
                if (line.TrimEnd('\r') == "start " + candidate.Name()) start = candidate;
            }
        }
        return start;
    }

    /// <summary>The cipher paths as text, in groups of about 64 KiB (one argument of ssh and of the remote shell).</summary>
    private static List<List<string>> RemovalChunks(IReadOnlyList<byte[]> cipherPaths)
    {
        const int Limit = 64 * 1024;
        var chunks = new List<List<string>>();
        var current = new List<string>();
        int length = 0;
        foreach (var path in cipherPaths)
        {
            var text = Encoding.UTF8.GetString(path);
            if (!Encoding.UTF8.GetBytes(text).AsSpan().SequenceEqual(path))
                throw new BackupException(BackupErrorKind.BadSource, $"cannot name the path {text} in a step on the destination");
            current.Add(text);
            length += text.Length + 3;
            if (length > Limit)
            {
                chunks.Add(current);
                current = [];
                length = 0;
            }
        }
        if (current.Count > 0) chunks.Add(current);
        return chunks;
    }

    /// <summary>The template of <see cref="DestinationOp.Unlink"/>: removes relative paths from an incomplete
    /// snapshot (rm -rf removes a symlink itself, never what it points to).</summary>
    internal static string UnlinkScript(string destinationPath, string name, IReadOnlyList<string> paths)
    {
        var script = new StringBuilder("set -e\n");
        script.Append($"d={ShellQuoting.QuotePath(destinationPath)}\n");
        script.Append($"cd -- {Incomplete(name)}\nrm -rf --");
        foreach (var path in paths) script.Append(' ').Append(ShellQuoting.Quote(path));
        return script.Append('\n').ToString();
    }

    /// <summary>
    /// The template of <see cref="DestinationOp.Reflink"/>: each relative path of the incomplete snapshot that is a
    /// regular file (not a symlink) is replaced by a reflink copy of itself with the same mode, owner, times, xattrs
    /// and ACLs (<c>cp -a --reflink=always</c> into <c>DEST/.reversecrypt/reflink.tmp/</c>, then <c>mv -f</c> over
    /// it): a new inode sharing the blocks, which rsync may then update in place while the inode the older snapshots
    /// hold (the hard link the copy started with) is left as it was, content and metadata. Anything else at the path
    /// is removed, and so is a file that cannot be copied (rsync then sends it whole). One cp and one mv per directory.
    /// </summary>
    internal static string ReflinkScript(string destinationPath, string name, IReadOnlyList<string> paths)
    {
        var script = new StringBuilder("set -e\n");
        script.Append($"d={ShellQuoting.QuotePath(destinationPath)}\n");
        script.Append($"n={Incomplete(name)}\n");
        script.Append($"t=\"$d\"/{DestinationLease.StateDirectory}/reflink.tmp\n");
        script.Append(ReflinkFunction);
        foreach (var group in paths.GroupBy(p => p.LastIndexOf('/') is var slash && slash < 0 ? "" : p[..slash]))
        {
            script.Append(group.Key.Length == 0 ? "rl \"$n\"" : $"rl \"$n\"/{ShellQuoting.Quote(group.Key)}");
            foreach (var path in group) script.Append(' ').Append(ShellQuoting.Quote(path[(path.LastIndexOf('/') + 1)..]));
            script.Append('\n');
        }
        return script.Append("rm -rf -- \"$t\"\n").ToString();
    }

    /// <summary>sh function <c>rl DIR NAME...</c> of <see cref="ReflinkScript"/>.</summary>
    private const string ReflinkFunction = """
        rl() {
          s=$1; shift
          for f do shift
            if [ -f "$s/$f" ] && [ ! -L "$s/$f" ]; then set -- "$@" "$f"; else rm -rf -- "$s/$f"; fi
          done
          [ $# -gt 0 ] || return 0
          rm -rf -- "$t"; mkdir -- "$t"
          for f do shift; set -- "$@" "$s/$f"; done
          if ! cp -a --no-preserve=links --reflink=always -t "$t" -- "$@" 2>/dev/null; then
            for f do
              rm -f -- "$t/${f##*/}"
              cp -a --reflink=always -- "$f" "$t/${f##*/}" 2>/dev/null || rm -f -- "$t/${f##*/}" "$f"
            done
          fi
          for f do shift; if [ -f "$t/${f##*/}" ]; then set -- "$@" "$t/${f##*/}"; fi; done
          if [ $# -gt 0 ]; then mv -f -t "$s" -- "$@"; fi
        }

        """;

    /// <summary>The template of <see cref="Begin"/>.</summary>
    internal static string BeginScript(string destinationPath, string name, string? resumeFrom, SnapshotMode mode, string? previous,
        bool linkClone = false)
    {
        var script = new StringBuilder("set -e\n");
        script.Append($"d={ShellQuoting.QuotePath(destinationPath)}\n");
        script.Append($"mkdir -p -- \"$d\"/{SnapshotName.SnapshotsDirectory}\n");
        var target = Incomplete(name);
        var marker = $"\"$d\"/{DestinationLease.StateDirectory}/";
        if (resumeFrom is not null && resumeFrom != name)
        {
            script.Append($"mv -T -- {Incomplete(resumeFrom)} {target}\n");
            script.Append($"if [ -f {marker}{resumeFrom}.clone ]; then mv -f -- {marker}{resumeFrom}.clone {marker}{name}.clone; fi\n");
            script.Append($"if [ -f {marker}{resumeFrom}.linked ]; then mv -f -- {marker}{resumeFrom}.linked {marker}{name}.linked; fi\n");
        }
        else if (resumeFrom is null)
        {
            script.Append($"rm -f -- {marker}{name}.clone {marker}{name}.linked\n");
            if (mode == SnapshotMode.Btrfs && previous is not null)
            {
                // A snapshot of the previous subvolume; a previous plain directory (an older version's) is copied.
                script.Append($"if [ \"$(stat -c %i -- {Complete(previous)})\" = 256 ]; then btrfs subvolume snapshot -- {Complete(previous)} {target} >/dev/null\n");
                script.Append($"else btrfs subvolume create -- {target} >/dev/null; cp -a --reflink=always -- {Complete(previous)}/. {target}/; fi\n");
                script.Append("echo 'start copy'\n");
            }
            else if (mode == SnapshotMode.Btrfs)
            {
                script.Append($"btrfs subvolume create -- {target} >/dev/null\necho 'start empty'\n");
            }
            else if (linkClone && previous is not null)
            {
                // Hard links cannot cross into another filesystem or btrfs subvolume (a previous btrfs-mode
                // snapshot), and a reflink copy made in DEST/.reversecrypt must be renamed into the snapshot: there the
                // copy is a whole one (reflink where possible), equally never shared. The marker comes before the
                // first link, so that an interrupted linked snapshot is always known as one.
                var wholeCopy = mode == SnapshotMode.Reflink
                    ? $"cp -a --reflink=always -- {Complete(previous)} {target}; : > {marker}{name}.clone"
                    : $"cp -a --reflink=auto -- {Complete(previous)} {target}";
                script.Append($"p=$(stat -c %d -- {Complete(previous)})\n");
                script.Append($"if [ \"$p\" = \"$(stat -c %d -- \"$d\"/{SnapshotName.SnapshotsDirectory})\" ] && [ \"$p\" = \"$(stat -c %d -- {marker})\" ]; then\n");
                script.Append($"  : > {marker}{name}.linked; {LinkedCopy(Complete(previous), target)}; echo 'start linked'\n");
                script.Append($"else {wholeCopy}; echo 'start copy'; fi\n");
            }
            else if (mode == SnapshotMode.Reflink && previous is not null)
            {
                script.Append($"cp -a --reflink=always -- {Complete(previous)} {target}\necho 'start copy'\n");
            }
            else
            {
                script.Append($"mkdir -- {target}\necho 'start empty'\n");
            }
            if (mode.IsClone() && previous is not null && !linkClone) script.Append($": > {marker}{name}.clone\n");
        }
        if (resumeFrom is not null)
        {
            script.Append("echo 'start resumed'\n");
            // Versions before 0.2 kept rsync's partial files inside the snapshot; such a leftover must not be committed.
            script.Append($"find {target} -name {RsyncArguments.LegacyPartialDir} -type d -prune -exec rm -rf -- {{}} +\n");
            // Without the clone marker rsync does not write in place, but it still sets the attributes of a file that
            // is already there and unchanged in content: in a hard-link snapshot that file may be an inode older
            // snapshots hold (linked there by an interrupted rsync's --link-dest, or an older version's hard-link copy), and a chmod there
            // would change them too. Such files go; rsync links them again (--link-dest) when they are unchanged.
            script.Append($"if [ ! -f {marker}{name}.clone ]; then find {target} ! -type d -links +1 -exec rm -f -- {{}} +; fi\n");
        }
        return script.ToString();
    }

    /// <summary>Makes the hard-link copy of a linked begin with two cp processes at a time (see
    /// <see cref="LinkedCopy"/>); false: one <c>cp -al</c>.</summary>
    internal static bool ParallelLinkedCopy { get; set; } = true;

    /// <summary>
    /// The sh commands that make <paramref name="target"/> a hard-link copy of <paramref name="previous"/>. In parallel
    /// (the destination's CPU is what a hard-link copy of 100,000 files waits for: link(2) and the directories'
    /// metadata): the top-level entries in about 16 groups, two <c>cp -al</c> at a time (xargs -P 2), then the top
    /// directory's own mode, owner, times, xattrs and ACLs, last, with rsync (present on every destination).
    /// </summary>
    private static string LinkedCopy(string previous, string target)
    {
        if (!ParallelLinkedCopy) return $"cp -al -- {previous} {target}";
        return $"mkdir -- {target}; a=$(cd -- {target} && pwd); "
            + $"c=$(cd -- {previous} && find . -mindepth 1 -maxdepth 1 -printf x | wc -c); "
            + $"(cd -- {previous} && find . -mindepth 1 -maxdepth 1 -print0 | xargs -0 -r -n $((c / 16 + 1)) -P 2 cp -al -t \"$a\" --); "
            + $"rsync -dAXogpt --numeric-ids '{RsyncArguments.XfsAclNames}' --exclude='*' -- {previous}/ {target}/";
    }

    /// <summary>
    /// After a partial transfer: each of <paramref name="cipherPaths"/> (files the sender could not read whole) gets
    /// the previous snapshot's version in the incomplete snapshot <paramref name="name"/>, hard-linked (or, in a clone,
    /// a reflink copy), so that the snapshot holds an earlier state of the file rather than nothing or, after an
    /// in-place update, a half-written one; without a previous version the file is left out.
    /// </summary>
    public void KeepEarlierVersions(string name, string? previous, SnapshotMode mode, IReadOnlyList<string> cipherPaths,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(cipherPaths);
        if (cipherPaths.Count == 0) return;
        _shell.RunChecked(DestinationOp.Keep(name, previous, mode, cipherPaths), "keeping earlier versions of unreadable files", BackupErrorKind.DestinationFailed, cancellation);
    }

    /// <summary>The template of <see cref="KeepEarlierVersions"/>.</summary>
    internal static string KeepScript(string destinationPath, string name, string? previous, SnapshotMode mode, IReadOnlyList<string> cipherPaths)
    {
        var script = new StringBuilder($"d={ShellQuoting.QuotePath(destinationPath)}\nn={Incomplete(name)}\n");
        script.Append(previous is null ? "p=\n" : $"p={Complete(previous)}\n");
        script.Append(mode.IsClone()
            ? "keep() { rm -f -- \"$n/$1\"; if [ -n \"$p\" ] && [ -f \"$p/$1\" ]; then cp -a --reflink=auto -- \"$p/$1\" \"$n/$1\"; fi; }\n"
            : "keep() { rm -f -- \"$n/$1\"; if [ -n \"$p\" ] && [ -f \"$p/$1\" ]; then ln -- \"$p/$1\" \"$n/$1\" 2>/dev/null || cp -a -- \"$p/$1\" \"$n/$1\"; fi; }\n");
        foreach (var path in cipherPaths) script.Append($"keep {ShellQuoting.Quote(path)}\n");
        return script.ToString();
    }

    /// <summary>
    /// Marks the snapshot complete and makes it <c>latest</c>: renames <c>NAME.incomplete</c> to <c>NAME</c>, then
    /// replaces the latest symlink by renaming a new one over it (never a moment without one). Leftover incomplete
    /// snapshots of other, older runs are removed afterwards.
    /// </summary>
    public void Commit(string name, IEnumerable<string> staleIncomplete)
    {
        ArgumentNullException.ThrowIfNull(staleIncomplete);
        _shell.RunChecked(DestinationOp.Commit(name, staleIncomplete), "completing the snapshot");
    }

    /// <summary>The template of <see cref="Commit"/>.</summary>
    internal static string CommitScript(string destinationPath, string name, IEnumerable<string> staleIncomplete)
    {
        var script = new StringBuilder("set -e\n");
        script.Append($"d={ShellQuoting.QuotePath(destinationPath)}\n");
        script.Append($"mv -T -- {Incomplete(name)} {Complete(name)}\n");
        script.Append($"ln -sfn -- {ShellQuoting.Quote(SnapshotName.SnapshotsDirectory + "/" + name)} \"$d\"/.latest.new\n");
        script.Append($"mv -T -f -- \"$d\"/.latest.new \"$d\"/{SnapshotName.LatestLink}\n");
        script.Append($"rm -f -- \"$d\"/{DestinationLease.StateDirectory}/{name}.clone \"$d\"/{DestinationLease.StateDirectory}/{name}.linked\n");
        script.Append(RemoveFunction);
        foreach (var stale in staleIncomplete)
            script.Append($"remove {Incomplete(stale)}; rm -f -- \"$d\"/{DestinationLease.StateDirectory}/{stale}.clone \"$d\"/{DestinationLease.StateDirectory}/{stale}.linked\n");
        return script.ToString();
    }

    /// <summary>Deletes complete snapshots (retention).</summary>
    public void Delete(IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0) return;
        _shell.RunChecked(DestinationOp.Delete(names), "deleting old snapshots");
    }

    /// <summary>The template of <see cref="Delete"/>.</summary>
    internal static string DeleteScript(string destinationPath, IEnumerable<string> names)
    {
        var script = new StringBuilder($"set -e\nd={ShellQuoting.QuotePath(destinationPath)}\n").Append(RemoveFunction);
        foreach (var name in names) script.Append($"remove {Complete(name)}\n");
        return script.ToString();
    }

    /// <summary>sh function <c>remove DIR</c>: a btrfs subvolume (inode 256) is deleted as one, with the btrfs tool
    /// where it is installed; anything else with rm -rf.</summary>
    private const string RemoveFunction = """
        remove() {
          if [ "$(stat -c %i -- "$1" 2>/dev/null)" = 256 ] && command -v btrfs >/dev/null 2>&1; then
            btrfs subvolume delete -- "$1" >/dev/null || rm -rf -- "$1"
          else rm -rf -- "$1"; fi
        }

        """;

    private static string Complete(string name) => CheckedPath(name, "");

    private static string Incomplete(string name) => CheckedPath(name, SnapshotName.IncompleteSuffix);

    private static string CheckedPath(string name, string suffix)
    {
        if (!SnapshotName.TryParse(name, out _)) throw new ArgumentException($"not a snapshot name: {name}", nameof(name));
        return $"\"$d\"/{SnapshotName.SnapshotsDirectory}/{name}{suffix}";
    }
}
