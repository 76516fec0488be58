using System.Text;
using ReverseCrypt.Format;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Backup;

/// <summary>What a run transfers: everything (full), or only the listed cipher paths (incremental), and why.</summary>
public sealed record ChangePlan
{
    /// <summary>True for a change-driven run (rsync --files-from), false for a full one.</summary>
    public required bool Incremental { get; init; }

    /// <summary>Why the run is full or incremental ("no manifest", "412 changed, 3 deleted").</summary>
    public required string Reason { get; init; }

    /// <summary>Plaintext objects new or changed since the last complete run (incremental runs).</summary>
    public long Changed { get; init; }

    /// <summary>Plaintext objects deleted since the last complete run (incremental runs).</summary>
    public long Deleted { get; init; }

    /// <summary>Cipher paths relative to the view root ("." for the root) that rsync gets with --files-from.</summary>
    public IReadOnlyList<byte[]> Listed { get; init; } = [];

    /// <summary>Cipher paths to remove from a hard-link clone before rsync (they may share an inode with an older
    /// snapshot, which a metadata change would alter).</summary>
    public IReadOnlyList<byte[]> CloneRemovals { get; init; } = [];

    /// <summary>Cipher paths of regular files that are new since the last complete run, have one link and may have
    /// holes (<see cref="ScanEntry.MaybeSparse"/>), kept out of <see cref="Listed"/>: a run that writes in place into a
    /// clone sends them in a second rsync with --sparse, which in place would cost every changed file megabytes of
    /// disk (RsyncArguments.Sparse), so that their holes cost no disk either. Any other run lists them with the rest
    /// (<see cref="WriteList(string, bool)"/>).</summary>
    public IReadOnlyList<byte[]> SparseNew { get; init; } = [];

    /// <summary>Cipher paths of regular files whose content may change (a regular file in the last run and now, in no
    /// hard-link group either time): in a reflink snapshot that starts as a hard-link copy they are replaced by a
    /// reflink copy of themselves (a new inode sharing the blocks) instead of removed, so rsync updates only the
    /// changed blocks in place. Never also in <see cref="CloneRemovals"/>; a hardlink snapshot removes them too.</summary>
    public IReadOnlyList<byte[]> CloneReflinks { get; init; } = [];

    /// <summary>Incremental runs since the last full one, this run included (stored in the next manifest).</summary>
    public int IncrementalRuns { get; init; }

    /// <summary>The incremental run has nothing to send.</summary>
    public bool NothingChanged => Incremental && Listed.Count == 0 && SparseNew.Count == 0;

    /// <summary>"run: incremental (412 changed, 3 deleted)" / "run: full (no manifest)".</summary>
    public string Describe() => Incremental ? $"incremental ({Reason})" : $"full ({Reason})";

    /// <summary>Writes <see cref="Listed"/> (and, with <paramref name="withSparseNew"/>, <see cref="SparseNew"/>)
    /// NUL-separated for rsync --from0 --files-from, and its <see cref="WriteTopLevelIncludes"/> into
    /// <paramref name="includes"/>.</summary>
    public void WriteList(string path, string includes, bool withSparseNew = true) =>
        WriteFilesFrom(path, includes, withSparseNew ? [.. Listed, .. SparseNew] : Listed);

    /// <summary>The list of the second, sparse rsync of a run in place: <see cref="SparseNew"/> and the directories
    /// that hold them (the second rsync sets their times again after adding to them), and its includes.</summary>
    public void WriteSparseList(string path, string includes)
    {
        var parents = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var list = new List<byte[]>();
        foreach (var p in SparseNew)
        {
            var slash = p.AsSpan().LastIndexOf((byte)'/');
            var parent = slash < 0 ? "."u8.ToArray() : p[..slash];
            if (parents.Add(parent)) list.Add(parent);
        }
        WriteFilesFrom(path, includes, [.. list, .. SparseNew]);
    }

    /// <summary>
    /// Writes <paramref name="paths"/> NUL-separated into <paramref name="listPath"/> for rsync --from0 --files-from,
    /// and their <see cref="WriteTopLevelIncludes"/> into <paramref name="includesPath"/>: the two files every
    /// --files-from rsync of ours takes (<see cref="RsyncArguments.ForChanges"/>, <see cref="RsyncArguments.ForRepair"/>).
    /// Each file is made anew (O_EXCL after removing an old one), so a name planted in a shared directory is never
    /// followed.
    /// </summary>
    public static void WriteFilesFrom(string listPath, string includesPath, IReadOnlyCollection<byte[]> paths)
    {
        File.Delete(listPath);
        using (var file = new FileStream(listPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            foreach (var p in paths)
            {
                file.Write(p);
                file.WriteByte(0);
            }
        }
        WriteTopLevelIncludes(includesPath, paths);
    }

    /// <summary>
    /// Writes, NUL-separated for rsync --from0 --include-from, one anchored pattern (<c>/NAME</c>) per first component
    /// of <paramref name="paths"/>, for the rule <c>--exclude=/*</c> that follows it (<see cref="RsyncArguments.ForChanges"/>).
    /// --files-from implies --dirs, and with --dirs a listed "." sends the root's entries too, one level deep: rsync
    /// then looked at every entry of the root, listed or not, and set the attributes of one that changed after the walk
    /// (or whose view bytes changed) in place, on an inode of a hard-link clone that older snapshots share. With these
    /// rules only the listed entries of the root (and the top directories of deeper listed paths) pass.
    /// </summary>
    public static void WriteTopLevelIncludes(string path, IEnumerable<byte[]> paths)
    {
        var seen = new HashSet<byte[]>(ByteArrayComparer.Instance);
        File.Delete(path);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        foreach (var p in paths)
        {
            var slash = p.AsSpan().IndexOf((byte)'/');
            var top = slash < 0 ? p : p[..slash];
            if (top is [(byte)'.'] || !seen.Add(top)) continue;
            file.WriteByte((byte)'/');
            file.Write(RsyncPattern(top));
            file.WriteByte(0);
        }
    }

    /// <summary>A name as an rsync pattern that matches only itself: rsync reads a backslash as an escape only in a
    /// pattern with a wildcard (* ? [), so a name with one gets every wildcard and backslash escaped, and any other stays
    /// as it is (cipher names never have one; plaintext names can).</summary>
    public static byte[] RsyncPattern(byte[] name)
    {
        if (name.AsSpan().IndexOfAny("*?["u8) < 0) return name;
        var escaped = new List<byte>(name.Length + 8);
        foreach (var b in name)
        {
            if (b is (byte)'*' or (byte)'?' or (byte)'[' or (byte)'\\') escaped.Add((byte)'\\');
            escaped.Add(b);
        }
        return [.. escaped];
    }

    public static ChangePlan Full(string reason) => new() { Incremental = false, Reason = reason };
}

/// <summary>
/// Walks the plaintext (<see cref="ChangeScan"/>) and compares it with the manifest of the last complete run
/// (<see cref="ManifestFile"/>): decides whether the run is full or change-driven and, for a change-driven one, lists
/// the cipher paths rsync must look at: every new and changed object (a directory as itself, without its contents,
/// with its gocryptfs.diriv; a long name with its .name file; its parent directory, whose mtime rsync then sets), every
/// path of a hard-link group of which one path changed, and the topmost of each deleted subtree.
/// </summary>
public sealed class ChangeDetector(ChangeScanOptions scan, NameTransform names, bool dirIvFiles, string manifestPath, string identity)
{
    /// <summary>--full: every run is full.</summary>
    public bool ForceFull { get; init; }

    /// <summary>--full-every N: every Nth run is full (1: all; 0: only when needed).</summary>
    public int FullEvery { get; init; } = 7;

    public string ManifestPath => manifestPath;

    /// <summary>The walk of this run (recorded as the next manifest after a complete run).</summary>
    public ChangeScanResult? Walk { get; private set; }

    /// <summary>The directory walked instead of PLAINDIR: a read-only snapshot of it (--source-snapshot), which has
    /// the same inode numbers and times, so it compares with a manifest of earlier walks. The manifest stays keyed by
    /// PLAINDIR.</summary>
    public string? WalkRoot { get; set; }

    private Task<ChangeScanResult>? _early;
    private CancellationTokenSource? _earlyCancel;

    /// <summary>Starts the walk on the thread pool now, so that it runs while the destination is locked and read
    /// (remote round trips, mostly waiting); <see cref="Decide"/> then uses it. Only for a run without --pre and
    /// --source-snapshot, whose walk must see what they did. <see cref="CancelWalk"/> stops it when the run ends
    /// before deciding.</summary>
    public void StartWalk(Action<TimeSpan>? done = null)
    {
        if (_early is not null) return;
        _earlyCancel = new CancellationTokenSource();
        var options = WalkRoot is { } root ? scan with { PlainRoot = root } : scan;
        var token = _earlyCancel.Token;
        _early = Task.Run(() =>
        {
            var result = ChangeScan.Walk(options, token);
            done?.Invoke(result.Duration);
            return result;
        }, token);
    }

    /// <summary>Stops a walk started by <see cref="StartWalk"/> and waits for it to end.</summary>
    public void CancelWalk()
    {
        if (_early is not { } early) return;
        _earlyCancel!.Cancel();
        try
        {
            early.Wait();
        }
        catch (AggregateException)
        {
            // Cancelled, or failed: nobody uses it.
        }
        _early = null;
        _earlyCancel.Dispose();
        _earlyCancel = null;
    }

    /// <summary>True when <see cref="StartWalk"/> started the walk and <see cref="Decide"/> has not used it yet.</summary>
    public bool WalkStarted => _early is not null;

    /// <summary>Walks the plaintext (or takes the walk <see cref="StartWalk"/> started) and decides. <paramref name="previousSnapshot"/>: the snapshot a new one starts
    /// from ("" for a mirror, null when the destination has none).</summary>
    public ChangePlan Decide(string? previousSnapshot, bool resuming, CancellationToken cancellation = default)
    {
        ChangeScanResult walk;
        if (_early is { } early)
        {
            using (cancellation.Register(() => _earlyCancel!.Cancel()))
            {
                try
                {
                    walk = early.GetAwaiter().GetResult();
                }
                finally
                {
                    _early = null;
                    _earlyCancel!.Dispose();
                    _earlyCancel = null;
                }
            }
            cancellation.ThrowIfCancellationRequested();
        }
        else
        {
            walk = ChangeScan.Walk(WalkRoot is { } root ? scan with { PlainRoot = root } : scan, cancellation);
        }
        Walk = walk;
        if (ForceFull) return ChangePlan.Full("--full");
        if (walk.Incomplete is not null) return ChangePlan.Full($"the walk was incomplete: {walk.Incomplete}");
        if (resuming) return ChangePlan.Full("resuming an interrupted run");
        if (previousSnapshot is null) return ChangePlan.Full("first backup to this destination");
        if (!File.Exists(manifestPath)) return ChangePlan.Full("no manifest");
        try
        {
            using var reader = new ManifestFile.Reader(manifestPath);
            var header = reader.Header;
            if (header.Identity != identity) return ChangePlan.Full("options or config changed");
            if (header.Snapshot != previousSnapshot)
                return ChangePlan.Full(previousSnapshot.Length == 0 ? "the manifest is of snapshots" : $"the manifest is of another snapshot than {previousSnapshot}");
            if (FullEvery > 0 && header.IncrementalRuns + 1 >= FullEvery) return ChangePlan.Full($"every {FullEvery} runs");
            var plan = Compare(walk.Entries, reader, cancellation);
            return plan with { IncrementalRuns = header.IncrementalRuns + 1 };
        }
        catch (InvalidDataException e)
        {
            return ChangePlan.Full($"the manifest is damaged: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ChangePlan.Full($"the manifest cannot be read: {e.Message}");
        }
    }

    /// <summary>Deletes the manifest: from now on until <see cref="Record"/>, the destination may differ from it.</summary>
    public void Invalidate() => ManifestFile.Delete(manifestPath);

    /// <summary>Records this run's walk as the manifest of <paramref name="snapshot"/> ("" for a mirror).</summary>
    public void Record(string snapshot, ChangePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var walk = Walk ?? throw new InvalidOperationException("Decide first.");
        if (walk.Incomplete is not null) return;
        ManifestFile.Write(manifestPath, new ManifestHeader(identity, snapshot, plan.Incremental ? plan.IncrementalRuns : 0, walk.Entries.Count), walk.Entries);
    }

    private ChangePlan Compare(IReadOnlyList<ScanEntry> walk, ManifestFile.Reader manifest, CancellationToken cancellation)
    {
        var list = new PathList(names, dirIvFiles);
        var groups = new HashSet<(ulong Dev, ulong Ino)>();
        var groupPaths = new HashSet<byte[]>(ByteArrayComparer.Instance);
        byte[]? skip = null;
        long changed = 0, deleted = 0;
        var i = 0;
        var hasOld = manifest.TryRead(out var old);
        while (i < walk.Count || hasOld)
        {
            if ((i & 0xFFFF) == 0) cancellation.ThrowIfCancellationRequested();
            var c = i >= walk.Count ? 1 : !hasOld ? -1 : ChangeScan.Compare(walk[i].Path, old.Path);
            if (c == 0)
            {
                var now = walk[i];
                if (now.Meta != old.Meta)
                {
                    changed++;
                    list.Add(now.Path, now.Meta, old.Meta);
                    NoteGroup(now);
                    if (old.Meta.IsDirectory && !now.Meta.IsDirectory) skip = WithSlash(old.Path);
                }
                i++;
                hasOld = manifest.TryRead(out old);
            }
            else if (c < 0)
            {
                var now = walk[i];
                changed++;
                list.Add(now.Path, now.Meta, null, now.MaybeSparse);
                NoteGroup(now);
                i++;
            }
            else
            {
                deleted++;
                if (skip is null || !old.Path.AsSpan().StartsWith(skip))
                {
                    list.AddDeleted(old.Path);
                    skip = old.Meta.IsDirectory ? WithSlash(old.Path) : skip;
                }
                hasOld = manifest.TryRead(out old);
            }
        }
        if (groups.Count > 0)
        {
            // rsync -H links only the paths it sees in one run: every path of a changed group travels.
            foreach (var e in walk)
            {
                if (e.Meta.Nlink > 1 && !e.Meta.IsDirectory && groups.Contains((e.Meta.Dev, e.Meta.Ino)) && groupPaths.Add(e.Path))
                    list.Add(e.Path, e.Meta, e.Meta);
            }
        }
        return new ChangePlan
        {
            Incremental = true,
            Reason = $"{changed} changed, {deleted} deleted",
            Changed = changed,
            Deleted = deleted,
            Listed = list.Listed,
            CloneRemovals = list.Removals,
            SparseNew = list.SparseNew,
            CloneReflinks = list.Reflinks,
        };

        void NoteGroup(in ScanEntry e)
        {
            if (e.Meta.Nlink > 1 && !e.Meta.IsDirectory)
            {
                groups.Add((e.Meta.Dev, e.Meta.Ino));
                groupPaths.Add(e.Path);
            }
        }
    }

    private static byte[] WithSlash(byte[] path) => path.Length == 0 ? [] : [.. path, (byte)'/'];

    /// <summary>The cipher paths of plaintext paths, as the view names them (PathIV, EME, long names).</summary>
    internal sealed class PathList(NameTransform names, bool dirIvFiles)
    {
        private readonly Dictionary<byte[], byte[]> _dirs = new(ByteArrayComparer.Instance) { [[]] = [] };
        private readonly HashSet<byte[]> _listed = new(ByteArrayComparer.Instance);
        private readonly HashSet<byte[]> _removed = new(ByteArrayComparer.Instance);
        private readonly List<byte[]> _reflinks = [];

        public List<byte[]> Listed { get; } = [];

        public List<byte[]> Removals { get; } = [];

        public List<byte[]> SparseNew { get; } = [];

        /// <summary>Regular files in the last run and now, in no hard-link group (<see cref="ChangePlan.CloneReflinks"/>);
        /// a path also removed for another reason is only a removal.</summary>
        public List<byte[]> Reflinks => [.. _reflinks.Where(p => !_removed.Contains(p))];

        /// <summary>A new (<paramref name="old"/> null) or changed object; <paramref name="maybeSparse"/>: a new regular
        /// file that may have holes.</summary>
        public void Add(byte[] plainPath, ScanMeta now, ScanMeta? old, bool maybeSparse = false)
        {
            var bothDirectories = old is { IsDirectory: true } && now.IsDirectory;
            if (plainPath.Length == 0)
            {
                List("."u8.ToArray(), remove: false);
                if (dirIvFiles) List([.. NameTransform.DirIvFileName], remove: old is not null);
                return;
            }
            var (parent, cipher, dotName) = Cipher(plainPath);
            if (maybeSparse && old is null && (now.Mode & ScanMeta.TypeMask) == ScanMeta.Regular && now.Nlink == 1 && _listed.Add(cipher))
            {
                SparseNew.Add(cipher);
            }
            else if (old is { } before && IsLoneFile(before) && IsLoneFile(now))
            {
                // Its content may change: kept as a reflink copy of itself, which rsync updates in place.
                if (_listed.Add(cipher)) Listed.Add(cipher);
                _reflinks.Add(cipher);
            }
            else
            {
                List(cipher, remove: old is not null && !bothDirectories);
            }
            if (dotName is not null) List(dotName, remove: old is not null);
            if (now.IsDirectory && dirIvFiles) List(Join(cipher, NameTransform.DirIvFileName), remove: bothDirectories);
            // Its directory's metadata is sent too: removing an entry from a clone moved that directory's mtime.
            List(parent.Length == 0 ? "."u8.ToArray() : parent, remove: false);
            if (now.IsDirectory) _dirs[plainPath] = cipher;
        }

        private static bool IsLoneFile(ScanMeta meta) => (meta.Mode & ScanMeta.TypeMask) == RegularFile && meta.Nlink == 1;

        private const uint RegularFile = 0x8000;

        /// <summary>The top of a deleted subtree (or a deleted object).</summary>
        public void AddDeleted(byte[] plainPath)
        {
            if (plainPath.Length == 0) return;
            var (parent, cipher, dotName) = Cipher(plainPath);
            List(cipher, remove: true);
            if (dotName is not null) List(dotName, remove: true);
            List(parent.Length == 0 ? "."u8.ToArray() : parent, remove: false);
        }

        private void List(byte[] cipherPath, bool remove)
        {
            if (_listed.Add(cipherPath)) Listed.Add(cipherPath);
            if (remove && _removed.Add(cipherPath)) Removals.Add(cipherPath);
        }

        private (byte[] Parent, byte[] Path, byte[]? DotName) Cipher(byte[] plainPath)
        {
            var slash = plainPath.AsSpan().LastIndexOf((byte)'/');
            var parentPlain = slash < 0 ? [] : plainPath[..slash];
            var parent = Directory(parentPlain);
            var name = plainPath.AsSpan(slash + 1);
            Span<byte> iv = stackalloc byte[PathIv.Size];
            names.ComputeDirIv(parent, iv);
            Span<byte> full = stackalloc byte[NameTransform.MaxCipherNameLength];
            var fullLength = names.EncryptName(name, iv, full);
            if (!names.IsLongName(fullLength)) return (parent, Join(parent, full[..fullLength]), null);
            Span<byte> hashed = stackalloc byte[NameTransform.MaxHashedNameLength + 8];
            var hashedLength = names.HashLongName(full[..fullLength], hashed);
            var path = Join(parent, hashed[..hashedLength]);
            return (parent, path, [.. path, .. NameTransform.LongNameSuffix]);
        }

        private byte[] Directory(byte[] plainDir)
        {
            if (_dirs.TryGetValue(plainDir, out var cipher)) return cipher;
            cipher = Cipher(plainDir).Path;
            _dirs[plainDir] = cipher;
            return cipher;
        }

        private static byte[] Join(ReadOnlySpan<byte> dir, ReadOnlySpan<byte> name) => ChangeScan.Join(dir, name);
    }

    /// <summary>A cipher path for messages and shell scripts (cipher names are ASCII unless names are plaintext).</summary>
    internal static string Text(byte[] cipherPath) => Encoding.UTF8.GetString(cipherPath);
}
