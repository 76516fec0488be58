using ReverseCrypt.Format;
using ReverseCrypt.Operations.Backup;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Remote;

/// <summary>
/// One snapshot (or plain copy) of a destination made readable by the restorer. A local destination is read where it
/// is. A remote one is fetched piecemeal with rsync over the same remote shell into a private staging directory
/// (<c>$TMPDIR/reversecrypt-fetch-*</c>, mode 0700, removed on <see cref="Dispose"/>): first the config and the root's
/// diriv (<see cref="Begin"/>), then, once the key is open, only the objects the requested plaintext paths need
/// (<see cref="FetchPaths"/>): every <c>gocryptfs.diriv</c> on the way, the <c>.name</c> files of long names, and the
/// object itself (a directory with its whole subtree). Cipher names are computed here from the key (reverse mode:
/// directory IVs derive from the path), checked against the fetched dirivs and refetched when a diriv differs.
/// </summary>
public sealed class SnapshotFetch : IDisposable
{
    private readonly SnapshotCatalog _catalog;
    private readonly string? _remoteShell;
    private readonly string _relative;
    private readonly HashSet<string> _requestedFiles = new(StringComparer.Ordinal);
    private readonly List<byte[]> _requestedTrees = [];
    private bool _disposed;
    private ChildResult? _lastPartial;

    private SnapshotFetch(SnapshotCatalog catalog, string? remoteShell, string? name, string relative, string cipherDir, bool staged)
    {
        _catalog = catalog;
        _remoteShell = remoteShell;
        SnapshotName = name;
        _relative = relative;
        CipherDir = cipherDir;
        IsStaged = staged;
    }

    /// <summary>The snapshot's name; null when DEST is a plain copy without snapshots.</summary>
    public string? SnapshotName { get; }

    /// <summary>"snapshot NAME on DEST" (or "DEST"), for messages.</summary>
    public string Label => SnapshotName is null ? _catalog.Destination.Text : $"snapshot {SnapshotName} on {_catalog.Destination.Text}";

    /// <summary>The encrypted tree to restore from: the snapshot itself (local) or the staging directory (remote).</summary>
    public string CipherDir { get; }

    /// <summary>The snapshot's config as it was when the snapshot was made (fetched for a remote one).</summary>
    public string ConfigPath => Path.Combine(CipherDir, "gocryptfs.conf");

    /// <summary>True when the objects were fetched into a private staging directory.</summary>
    public bool IsStaged { get; }

    /// <summary>rsync runs so far (each one ssh connection).</summary>
    public int Transfers { get; private set; }

    /// <summary>
    /// Picks the snapshot (<see cref="SnapshotCatalog.Choose"/>) and, for a remote destination, creates the staging
    /// directory and fetches the snapshot root's attributes, its gocryptfs.conf and its gocryptfs.diriv.
    /// Throws <see cref="NotInBackupException"/> or <see cref="BackupException"/>.
    /// </summary>
    public static SnapshotFetch Begin(SnapshotCatalog catalog, string? remoteShell, string? snapshotName, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var (name, relative) = catalog.Choose(snapshotName);
        var destination = catalog.Destination;
        if (!destination.IsRemote)
            return new SnapshotFetch(catalog, remoteShell, name, relative, destination.Join(relative), staged: false);
        if (!ChildProcess.Exists(RsyncProcess.Program))
            throw new BackupException(BackupErrorKind.ToolMissing, "rsync is not installed (install the rsync package)");
        if (!catalog.State.HasRsync)
            throw new BackupException(BackupErrorKind.ToolMissing, $"rsync is not installed on {destination.Host}");
        var staging = Directory.CreateTempSubdirectory("reversecrypt-fetch-").FullName;
        var fetch = new SnapshotFetch(catalog, remoteShell, name, relative, staging, staged: true);
        try
        {
            // "." alone would bring every top-level file along; the filter keeps the root's attributes and the two files.
            fetch.Transfer([[(byte)'.']], recursive: false, cancellation,
                ["--include=/gocryptfs.conf", "--include=/gocryptfs.diriv", "--exclude=/*"]);
            fetch.KeepRootTimes();
            return fetch;
        }
        catch
        {
            fetch.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes the plaintext paths (relative, bytes; empty list or an empty path = the whole snapshot) present in
    /// <see cref="CipherDir"/>. Throws <see cref="NotInBackupException"/> naming the first path the snapshot does not
    /// hold, <see cref="BackupException"/> when rsync or ssh fails.
    /// </summary>
    public void FetchPaths(CryptoCore core, IReadOnlyList<byte[]> plainPaths, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(plainPaths);
        var wanted = new List<byte[]>();
        foreach (var path in plainPaths)
        {
            if (!BytePath.TrySplit(path, out var components))
                throw new NotInBackupException($"{BytePath.Display(path)}: not a valid relative path ('..' or a name over 255 bytes)");
            if (components.Count == 0) { wanted.Clear(); wanted.Add([]); break; }
            wanted.Add(path);
        }
        if (plainPaths.Count == 0) wanted.Add([]);

        if (!IsStaged)
        {
            CheckPresent(core, wanted);
            return;
        }
        if (wanted.Any(p => p.Length == 0))
        {
            Transfer([[(byte)'.']], recursive: true, cancellation);
            _requestedTrees.Add([]);
            RestoreRootTimes();
            return;
        }
        // Each round computes every path's cipher path from what has arrived so far (derived IVs where nothing has),
        // and fetches what it needs in one rsync run. A round that needs nothing new for a missing path proves it is
        // not in the snapshot; every round requests something new, so the loop ends. With the dirivs a reverse view
        // writes (derived from the path) the first round fetches everything and the second confirms it.
        var pending = new List<byte[]>(wanted);
        while (pending.Count > 0)
        {
            var list = new List<byte[]>();
            var settled = new List<byte[]>();
            using (var tree = new CipherTree(CipherDir, core))
            {
                var resolver = new CipherPathResolver(tree);
                foreach (var plain in pending)
                {
                    var cipher = resolver.Encrypt(plain, out var exists)
                        ?? throw new NotInBackupException($"{BytePath.Display(plain)}: not a valid relative path");
                    if (exists && IsCovered(cipher)) { settled.Add(plain); continue; }
                    var needed = Needed(cipher, tree.Options).Where(n => !_requestedFiles.Contains(Key(n))).ToList();
                    if (needed.Count == 0)
                        throw new NotInBackupException($"{BytePath.Display(plain)} is not in {Label}{PartialReason()}");
                    list.AddRange(needed);
                    _requestedTrees.Add(cipher);
                }
            }
            pending.RemoveAll(p => settled.Contains(p));
            if (list.Count == 0) continue;
            Transfer(list, recursive: true, cancellation);
            RestoreRootTimes();
        }
    }

    private string RootTimesFile => CipherDir + ".times";

    /// <summary>Records the snapshot root's times (as the first transfer set them) in a reference file: later transfers
    /// add entries to the root and so change its mtime, which restore gives to TARGET.</summary>
    private void KeepRootTimes() => Touch(["-r", CipherDir, RootTimesFile]);

    private void RestoreRootTimes() => Touch(["-r", RootTimesFile, CipherDir]);

    private static void Touch(string[] args)
    {
        var result = ChildProcess.Run("touch", args);
        if (result.ExitCode != 0)
            throw new BackupException(BackupErrorKind.BadDestination, $"touch {string.Join(' ', args)}: {Reason(result)}");
    }

    private void CheckPresent(CryptoCore core, List<byte[]> wanted)
    {
        using var tree = new CipherTree(CipherDir, core);
        var resolver = new CipherPathResolver(tree);
        foreach (var plain in wanted.Where(p => p.Length > 0))
        {
            resolver.Encrypt(plain, out var exists);
            if (!exists) throw new NotInBackupException($"{BytePath.Display(plain)} is not in {Label}");
        }
    }

    private bool IsCovered(byte[] cipher) => _requestedTrees.Any(t =>
        t.Length == 0 || cipher.AsSpan().SequenceEqual(t) || (cipher.Length > t.Length && cipher.AsSpan().StartsWith(t) && cipher[t.Length] == '/'));

    /// <summary>What restoring <paramref name="cipher"/> needs: the diriv of every directory on the way (the root's
    /// included), the .name file of every long name on the way, and the object itself.</summary>
    private static List<byte[]> Needed(byte[] cipher, FormatOptions options)
    {
        BytePath.TrySplit(cipher, out var components);
        var list = new List<byte[]>();
        byte[] prefix = [];
        foreach (var component in components)
        {
            if (options.HasDirIvFiles) list.Add(BytePath.Join(prefix, NameTransform.DirIvFileName));
            if (!options.PlaintextNames && NameTransform.IsLongNameEntry(component))
                list.Add(BytePath.Join(prefix, [.. component, .. NameTransform.LongNameSuffix]));
            prefix = BytePath.Join(prefix, component);
        }
        list.Add(cipher);
        return list;
    }

    private static string Key(byte[] path) => Convert.ToBase64String(path);

    /// <summary>
    /// <c>rsync -aHAX --numeric-ids [-r] --from0 --files-from=LIST -e SSH HOST:SNAPSHOT/ STAGING/</c>. Entries that do
    /// not exist on the remote make rsync exit 23; that is expected (a path being probed) and judged by the caller
    /// from what arrived.
    /// </summary>
    private void Transfer(IReadOnlyList<byte[]> entries, bool recursive, CancellationToken cancellation, IReadOnlyList<string>? filters = null)
    {
        var listFile = Path.Combine(Path.GetDirectoryName(CipherDir)!, Path.GetFileName(CipherDir) + ".list");
        using (var list = new FileStream(listFile, FileMode.Create, FileAccess.Write))
        {
            foreach (var entry in entries)
            {
                list.Write(entry);
                list.WriteByte(0);
                _requestedFiles.Add(Key(entry));
            }
        }
        try
        {
            // Holes of the copy (all-zero blocks) stay holes here and cost next to nothing on the wire (RsyncArguments).
            var args = new List<string> { "-aHAX", "--numeric-ids", "--no-h", RsyncArguments.XfsAclNames, RsyncArguments.Sparse, "--from0", "--files-from=" + listFile };
            if (recursive) args.Add("-r");
            if (filters is not null) args.AddRange(filters);
            args.AddRange(["-e", _remoteShell ?? "ssh", .. RsyncArguments.WireCompression]);
            args.Add(_catalog.Destination.RsyncPath(_relative) + "/");
            args.Add(CipherDir + "/");
            var result = ChildProcess.Run(RsyncProcess.Program, args, cancellation);
            Transfers++;
            switch (result.ExitCode)
            {
                case RsyncExitCode.Ok or RsyncExitCode.PartialError or RsyncExitCode.PartialVanished:
                    _lastPartial = result.ExitCode == RsyncExitCode.Ok ? null : result;
                    return;
                case RsyncExitCode.RemoteShellFailed:
                    throw new BackupException(BackupErrorKind.RemoteUnreachable,
                        $"cannot reach {_catalog.Destination.Host}: {Reason(result)}");
                default:
                    throw new BackupException(BackupErrorKind.RsyncFailed,
                        $"fetching from {Label} failed: rsync exit code {result.ExitCode} ({RsyncExitCode.Describe(result.ExitCode)}): {Reason(result)}")
                    { RsyncExitCode = result.ExitCode };
            }
        }
        finally
        {
            File.Delete(listFile);
        }
    }

    /// <summary>When rsync's last partial failure was something other than a missing entry (a permission problem on the
    /// destination, say), its message, so that "not in the snapshot" does not hide it.</summary>
    private string PartialReason()
    {
        var other = _lastPartial?.Stderr.Split('\n').Select(l => l.Trim())
            .LastOrDefault(l => l.StartsWith("rsync: [sender]", StringComparison.Ordinal)
                && !l.Contains("No such file or directory", StringComparison.Ordinal));
        return other is null ? "" : $" (rsync: {other})";
    }

    private static string Reason(ChildResult result) => result.LastErrorLine.Length > 0 ? result.LastErrorLine : "no message";

    /// <summary>Regular files and their bytes now in the staging directory (0 for a local destination).</summary>
    public (long Files, long Bytes) Staged()
    {
        if (!IsStaged) return (0, 0);
        long files = 0, bytes = 0;
        foreach (var file in new DirectoryInfo(CipherDir).EnumerateFiles("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        }))
        {
            files++;
            bytes += file.Length;
        }
        return (files, bytes);
    }

    /// <summary>Removes the staging directory (made writable first: a snapshot may hold read-only directories).</summary>
    public void Dispose()
    {
        if (_disposed || !IsStaged) return;
        _disposed = true;
        File.Delete(RootTimesFile);
        if (!Directory.Exists(CipherDir)) return;
        ChildProcess.Run("chmod", ["-R", "u+rwX", "--", CipherDir]);
        ChildProcess.Run("rm", ["-rf", "--", CipherDir]);
    }
}
