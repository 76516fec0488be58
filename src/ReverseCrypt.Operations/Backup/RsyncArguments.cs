using System.Text.RegularExpressions;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// The rsync command lines of backup and verify. Always <c>-aHAX --numeric-ids --delete</c> (hard links, ACLs,
/// xattrs, numeric owners, an exact mirror), <c>--no-h</c> so that the numbers we parse are plain digits, and
/// <c>-e COMMAND</c> for a remote destination.
/// </summary>
public static partial class RsyncArguments
{
    /// <summary>Where older versions kept partially transferred files, inside each directory of a snapshot (now they
    /// live in <see cref="DestinationLease.PartialDirectory"/>); removed from an incomplete snapshot before it is
    /// resumed.</summary>
    public const string LegacyPartialDir = ".rsync-partial";

    /// <summary>Our state directory at the top of DEST, which rsync must neither copy nor delete.</summary>
    private const string ExcludeState = "--exclude=/" + DestinationLease.StateDirectory + "/";

    /// <summary>--modify-window=-1: compare modification times to the nanosecond. rsync's default compares whole
    /// seconds, so a directory whose entries changed within the second of its source's change kept the time of the
    /// change (measured: rsync 3.2+/3.5 here), and a file rewritten with the same size within that second was never
    /// sent again.</summary>
    private const string NanosecondTimes = "--modify-window=-1";

    /// <summary>--sparse: runs of zeros are not written on the destination, so the all-zero blocks the view shows for
    /// holes (docs/format.md 18) cost no disk there. Not with --inplace into a clone: measured on XFS (rsync 3.5.0),
    /// one changed block of a 16 MiB file then cost 4.7 MiB of disk instead of 132 KiB; a clone keeps the holes of
    /// the files it shares anyway.</summary>
    public const string Sparse = "--sparse";

    /// <summary>
    /// Over ssh, literal data is compressed with zstd at level 1, so that a run of all-zero blocks (a hole in the view)
    /// costs next to nothing on the wire: measured with rsync 3.5.0, a 1 GiB hole sends about 50 KB this way, 1.1 GB
    /// without compression, 5.4 MB with lz4 and 1.2 MB with zlib; on incompressible ciphertext zstd -1 costs about 1 ms
    /// of CPU per MiB, zlib about 35 ms (docs/benchmarks.md). Needs rsync 3.2 or later built with zstd on both sides.
    /// Not for a local destination, where nothing crosses a wire.
    /// </summary>
    public static readonly IReadOnlyList<string> WireCompression = ["--compress", "--compress-choice=zstd", "--compress-level=1"];

    /// <summary>
    /// XFS shows a file's POSIX ACL to root also as the xattr <c>trusted.SGI_ACL_FILE</c> (<c>trusted.SGI_ACL_DEFAULT</c>
    /// for a directory's default ACL). rsync -X on an XFS receiver sees that xattr, which the sender does not have,
    /// and removes it after -A has set the ACL, so an ACL change never arrived (itemized <c>.f.......ax</c>, the ACL
    /// missing; measured with rsync 3.5.0 from tmpfs to a loop-mounted XFS). This rule keeps those names out of the
    /// xattr pass on both sides; the ACL travels through -A alone.
    /// </summary>
    public const string XfsAclNames = "--filter=-x trusted.SGI_ACL_*";

    /// <summary>
    /// The rule of <see cref="XfsAclNames"/> for a remote receiver, on its command line: rsync sends its filter rules
    /// to the receiver only when deleting (--delete), so a change-driven run (--files-from, no --delete) would leave
    /// the receiver without it (found by ChangeDrivenTests on XFS over ssh).
    /// </summary>
    public const string RemoteXfsAclNames = "--remote-option=" + XfsAclNames;

    private static readonly string[] Common = ["-aHAX", "--numeric-ids", "--delete", "--no-h", XfsAclNames, NanosecondTimes];

    /// <summary>
    /// <c>rsync -aHAX --numeric-ids --delete --no-h --modify-window=-1 --exclude=/.reversecrypt/ [--inplace --no-whole-file | --sparse [--temp-dir=ABS] [--partial-dir=ABS]]
    /// --info=progress2,stats2 [--link-dest=../PREVIOUS] [--bwlimit=RATE] [--dry-run --out-format=%i %n] [-e SSH [--rsync-path=CMD] [--compress --compress-choice=zstd --compress-level=1]] VIEW/ TARGET/</c>.
    /// <paramref name="linkDest"/> is a snapshot name, found next to the target (<c>../NAME</c>, as rsync takes a
    /// relative --link-dest relative to the destination directory). The temporary and partial directories are
    /// absolute paths on the destination outside every snapshot (<see cref="DestinationLease"/>), so an interrupted or
    /// killed transfer never leaves a file of its own inside the snapshot tree.
    /// </summary>
    /// <remarks>With <paramref name="tempBesideTarget"/> (a snapshot that is a btrfs subvolume of its own) no --temp-dir:
    /// a rename from the state directory into another subvolume fails with EXDEV, and rsync then copies every file a
    /// second time, without its holes (measured: a new 256 MiB sparse file with 1 MiB of data cost 265 MB of disk).
    /// rsync then writes each file beside its target as <c>.NAME.XXXXXX</c> and removes it when stopped; one left by
    /// a killed rsync is deleted by the next run, which resumes the snapshot with a full, deleting rsync.</remarks>
    public static IReadOnlyList<string> ForBackup(string viewPath, string rsyncTarget, string? remoteShell, string? linkDest,
        string? bwLimit, bool dryRun, DestinationLease? lease = null, bool inPlace = false, bool tempBesideTarget = false)
    {
        ArgumentNullException.ThrowIfNull(viewPath);
        ArgumentNullException.ThrowIfNull(rsyncTarget);
        var args = new List<string>(Common) { ExcludeState };
        if (inPlace)
        {
            // Into a copy-on-write clone: only changed blocks are written, each costing about a block of disk.
            args.AddRange(["--inplace", "--no-whole-file"]);
        }
        else
        {
            args.Add(Sparse);
            if (lease?.TempDirectory is { } temp && !dryRun && !tempBesideTarget) args.Add($"--temp-dir={temp}");
            if (lease?.PartialDirectory is { } partial && !dryRun) args.Add($"--partial-dir={partial}");
        }
        args.Add("--info=progress2,stats2");
        if (linkDest is not null) args.Add($"--link-dest=../{linkDest}");
        if (bwLimit is not null) args.Add($"--bwlimit={bwLimit}");
        // A dry run itemizes every change, so that the paths can be listed (DryRunChange).
        if (dryRun) args.AddRange(["--dry-run", "--out-format=%i %n"]);
        if (remoteShell is not null)
        {
            args.AddRange(["-e", remoteShell, RemoteXfsAclNames]);
            if (lease?.RsyncPath is { } rsyncPath && !dryRun) args.Add($"--rsync-path={rsyncPath}");
            if (!dryRun) args.AddRange(WireCompression);
        }
        args.Add(WithSlash(viewPath));
        args.Add(WithSlash(rsyncTarget));
        return args;
    }

    /// <summary>
    /// A change-driven run: <c>rsync -aHAX --numeric-ids --no-h --modify-window=-1 --from0 --files-from=LIST
    /// --delete-missing-args --force ...</c> with the options of <see cref="ForBackup"/> but --delete. Only the listed
    /// paths (relative to the view) are looked at: a listed directory is sent as an entry, without its contents (-a
    /// does not imply -r with --files-from, and none is given: a changed root would resend everything); a listed path
    /// that the view does not have is deleted (--delete-missing-args; --force also for a non-empty directory).
    /// <c>--include-from=INCLUDES --exclude=/*</c> keep the root's unlisted entries out (ChangePlan.WriteTopLevelIncludes).
    /// </summary>
    public static IReadOnlyList<string> ForChanges(string viewPath, string rsyncTarget, string listFile, string includesFile, string? remoteShell,
        string? linkDest, string? bwLimit, bool dryRun, DestinationLease? lease = null, bool inPlace = false, bool tempBesideTarget = false)
    {
        ArgumentNullException.ThrowIfNull(listFile);
        ArgumentNullException.ThrowIfNull(includesFile);
        var args = new List<string>(ForBackup(viewPath, rsyncTarget, remoteShell, linkDest, bwLimit, dryRun, lease, inPlace, tempBesideTarget));
        args.Remove("--delete");
        args.InsertRange(Common.Length - 1, ["--from0", $"--files-from={listFile}", "--delete-missing-args", "--force", .. OnlyListedAtTheTop(includesFile)]);
        return args;
    }

    /// <summary>
    /// <c>rsync -aHAX --numeric-ids --delete --no-h --modify-window=-1 --dry-run --checksum --out-format=%i %n --info=stats2 [-e SSH] VIEW/ TARGET/</c>:
    /// compares every file's full checksum (the remote computes its own, so it never needs the key) and lists every
    /// difference without changing anything.
    /// </summary>
    public static IReadOnlyList<string> ForVerify(string viewPath, string rsyncTarget, string? remoteShell)
    {
        ArgumentNullException.ThrowIfNull(viewPath);
        ArgumentNullException.ThrowIfNull(rsyncTarget);
        var args = new List<string>(Common) { ExcludeState, "--dry-run", "--checksum", "--out-format=%i %n", "--info=stats2" };
        if (remoteShell is not null) args.AddRange(["-e", remoteShell, RemoteXfsAclNames]);
        args.Add(WithSlash(viewPath));
        args.Add(WithSlash(rsyncTarget));
        return args;
    }

    /// <summary>
    /// <c>rsync -aHAX --numeric-ids --no-h --modify-window=-1 --sparse -I --from0 --files-from=LIST --delete-missing-args [--temp-dir=ABS]
    /// [--partial-dir=ABS] [-e SSH [--rsync-path=CMD] --compress ...] VIEW/ TARGET/</c>: re-sends exactly the listed paths (relative to
    /// the view), each as a new file renamed into place (-I: even when size and time are equal), and deletes the listed
    /// paths that the view does not have. <c>--include-from=INCLUDES --exclude=/*</c> keep the root's unlisted entries
    /// out, as in <see cref="ForChanges"/>.
    /// </summary>
    public static IReadOnlyList<string> ForRepair(string viewPath, string rsyncTarget, string listFile, string includesFile, string? remoteShell,
        DestinationLease? lease)
    {
        ArgumentNullException.ThrowIfNull(viewPath);
        ArgumentNullException.ThrowIfNull(rsyncTarget);
        ArgumentNullException.ThrowIfNull(listFile);
        ArgumentNullException.ThrowIfNull(includesFile);
        var args = new List<string> { "-aHAX", "--numeric-ids", "--no-h", NanosecondTimes, Sparse, "--ignore-times", "--from0", $"--files-from={listFile}",
            "--delete-missing-args", "--force", ExcludeState };
        args.AddRange(OnlyListedAtTheTop(includesFile));
        if (lease?.TempDirectory is { } temp) args.Add($"--temp-dir={temp}");
        if (lease?.PartialDirectory is { } partial) args.Add($"--partial-dir={partial}");
        if (remoteShell is not null)
        {
            args.AddRange(["-e", remoteShell, RemoteXfsAclNames]);
            if (lease?.RsyncPath is { } rsyncPath) args.Add($"--rsync-path={rsyncPath}");
            args.AddRange(WireCompression);
        }
        args.Add(WithSlash(viewPath));
        args.Add(WithSlash(rsyncTarget));
        return args;
    }

    /// <summary>Checks a --bwlimit value the way rsync reads it: a number (KiB/s), optionally with a fraction and a
    /// unit (K, M, G, T, with optional B or iB; lower case too). 0 means no limit.</summary>
    public static bool IsValidBwLimit(string value) => BwLimitRegex().IsMatch(value ?? "");

    /// <summary>The rules that let only the listed entries of the root through (ChangePlan.WriteTopLevelIncludes).</summary>
    private static string[] OnlyListedAtTheTop(string includesFile) => [$"--include-from={includesFile}", "--exclude=/*"];

    private static string WithSlash(string path) => path.EndsWith('/') ? path : path + "/";

    [GeneratedRegex(@"^\d+(\.\d+)?([KMGTkmgt](i?[Bb])?|[Bb])?$")]
    private static partial Regex BwLimitRegex();
}
