using System.Globalization;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// One step on the destination (everything but rsync itself) as a named operation with typed arguments, defined once:
/// <see cref="Parse"/> checks the words and binds them to the step's POSIX sh template (<see cref="Script"/>).
/// <see cref="DestinationShell"/> runs the template with <c>/bin/sh -c</c> locally, and remotely sends
/// <c>sh -c 'SCRIPT' reversecrypt-op NAME ARGS...</c>: a plain remote shell runs the script (the words after it are
/// unused positional parameters), while <c>reversecrypt serve</c> (a forced command) ignores the script, parses
/// <c>NAME ARGS</c> with the same <see cref="Parse"/> and renders the same template for its own DEST. So the client
/// never needs to know which of the two it talks to, and serve never runs text the client wrote.
/// <para>
/// Operations (NAME and SNAP are snapshot names, <c>-</c> stands for none, MODE is hardlink|reflink|btrfs, PATH is a
/// relative path below a snapshot without <c>.</c>/<c>..</c> components):
/// <c>probe plain|clones</c>, <c>ensure</c>, <c>begin NAME RESUME|- MODE PREVIOUS|- [linked]</c> (linked: a hardlink
/// or reflink snapshot that starts as a hard-link copy of PREVIOUS, for a change-driven run), <c>unlink NAME PATH...</c>
/// (removes paths from the incomplete snapshot NAME), <c>reflink NAME PATH...</c> (replaces each regular file PATH of
/// the incomplete snapshot NAME by a reflink copy of itself, a new inode; anything else at PATH is removed),
/// <c>keep NAME PREVIOUS|- MODE PATH...</c>, <c>commit NAME STALE...</c>, <c>delete NAME...</c>,
/// <c>lease exclusive|shared create|nocreate SECONDS [MARKER none|plain|clones steps|hold]</c> (with MARKER: the
/// probe printed once the lock is held, and with steps the later steps read from its input, see <see cref="LeaseSession"/>), <c>shared NAME OTHER[,OTHER...] PATH...</c>,
/// <c>hash NAME|- PATH...</c>.
/// To add one: a case in <see cref="Parse"/> (its argument grammar and template), a factory next to the others, and
/// its rule in <c>ServeEndpoint.Check</c> (what serve allows, and under --append-only).
/// </para>
/// </summary>
public sealed class DestinationOp
{
    /// <summary>The word between the script and the operation on a remote command line.</summary>
    public const string Marker = "reversecrypt-op";

    private readonly Func<string, string> _template;

    private DestinationOp(IReadOnlyList<string> words, Func<string, string> template)
    {
        Name = words[0];
        Arguments = [.. words.Skip(1)];
        _template = template;
    }

    public string Name { get; }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The snapshot the step creates, resumes into, completes or reads (begin, keep, commit, shared, hash).</summary>
    public string? Snapshot { get; private init; }

    /// <summary>begin: the incomplete snapshot resumed.</summary>
    public string? Resume { get; private init; }

    /// <summary>begin, keep: the previous complete snapshot.</summary>
    public string? Previous { get; private init; }

    /// <summary>begin: a hardlink or reflink snapshot that starts as a hard-link copy of <see cref="Previous"/>.</summary>
    public bool LinkClone { get; private init; }

    /// <summary>begin, keep: how the snapshot starts from the previous one.</summary>
    public SnapshotMode Mode { get; private init; }

    /// <summary>commit: stale incomplete snapshots removed; delete: the snapshots deleted; shared: the other snapshots.</summary>
    public IReadOnlyList<string> Names { get; private init; } = [];

    /// <summary>keep, shared, hash: the relative paths below the snapshot.</summary>
    public IReadOnlyList<string> Paths { get; private init; } = [];

    /// <summary>lease: exclusive (a writer) or shared (a reader).</summary>
    public bool Exclusive { get; private init; }

    /// <summary>lease: creates DEST and its state directory when missing.</summary>
    public bool Create { get; private init; }

    /// <summary>lease: the probe and steps it carries besides the lock, or null (it only holds the lock).</summary>
    public LeaseSession? Session { get; private init; }

    /// <summary>The words of the operation: NAME ARGS...</summary>
    public IReadOnlyList<string> Words => [Name, .. Arguments];

    /// <summary>The sh script of this step for the destination directory <paramref name="destinationPath"/>.</summary>
    public string Script(string destinationPath)
    {
        ArgumentNullException.ThrowIfNull(destinationPath);
        return _template(destinationPath);
    }

    public override string ToString() => string.Join(' ', Words.Select(ShellQuoting.Quote));

    public static DestinationOp Probe(bool detectClones) => Parse(["probe", detectClones ? "clones" : "plain"]);

    public static DestinationOp Ensure() => Parse(["ensure"]);

    public static DestinationOp Begin(string name, string? resumeFrom, SnapshotMode mode, string? previous, bool linkClone = false) =>
        Parse(linkClone
            ? ["begin", name, resumeFrom ?? "-", ModeWord(mode), previous ?? "-", "linked"]
            : ["begin", name, resumeFrom ?? "-", ModeWord(mode), previous ?? "-"]);

    public static DestinationOp Unlink(string name, IEnumerable<string> cipherPaths) => Parse(["unlink", name, .. cipherPaths]);

    public static DestinationOp Reflink(string name, IEnumerable<string> cipherPaths) => Parse(["reflink", name, .. cipherPaths]);

    public static DestinationOp Keep(string name, string? previous, SnapshotMode mode, IEnumerable<string> cipherPaths) =>
        Parse(["keep", name, previous ?? "-", ModeWord(mode), .. cipherPaths]);

    public static DestinationOp Commit(string name, IEnumerable<string> staleIncomplete) => Parse(["commit", name, .. staleIncomplete]);

    public static DestinationOp Delete(IEnumerable<string> names) => Parse(["delete", .. names]);

    public static DestinationOp Lease(bool exclusive, bool create, TimeSpan leftoverWait, LeaseSession? session = null)
    {
        List<string> words = ["lease", exclusive ? "exclusive" : "shared", create ? "create" : "nocreate",
            Math.Max(1, (int)Math.Ceiling(leftoverWait.TotalSeconds)).ToString(CultureInfo.InvariantCulture)];
        if (session is not null)
            words.AddRange([session.Marker, session.Probe switch { null => "none", false => "plain", true => "clones" }, session.Steps ? "steps" : "hold"]);
        return Parse(words);
    }

    /// <summary>lease: the same lease without steps on its input (what serve runs: it never runs script text the
    /// client sent, so the client takes each step in a session of its own).</summary>
    public DestinationOp WithoutSteps() => Session is { Steps: true } session
        ? Parse([.. Words.Take(4), session.Marker, Arguments[4], "hold"])
        : this;

    public static DestinationOp Shared(string snapshot, IEnumerable<string> others, IEnumerable<string> cipherPaths) =>
        Parse(["shared", snapshot, string.Join(',', others), .. cipherPaths]);

    public static DestinationOp Hash(string? snapshot, IEnumerable<string> cipherPaths) => Parse(["hash", snapshot ?? "-", .. cipherPaths]);

    /// <summary>
    /// Checks the words of an operation and binds them to its template. Throws <see cref="FormatException"/> with a
    /// one-line reason for an unknown operation or a bad argument.
    /// </summary>
    public static DestinationOp Parse(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Count == 0) throw new FormatException("no operation");
        var a = words.Skip(1).ToList();
        switch (words[0])
        {
            case "probe":
                Count(words, a, 1, 1);
                var clones = Choice(a[0], "plain", "clones") == 1;
                return new DestinationOp(words, d => SnapshotStore.ProbeScript(d, clones));
            case "ensure":
                Count(words, a, 0, 0);
                return new DestinationOp(words, d => $"mkdir -p -- {ShellQuoting.QuotePath(d)}");
            case "begin":
                {
                    Count(words, a, 4, 5);
                    var (name, resume, mode, previous) = (Snap(a[0]), OptionalSnap(a[1]), ParseMode(a[2]), OptionalSnap(a[3]));
                    var linked = a.Count == 5 && Choice(a[4], "linked") == 0;
                    if (linked && (resume is not null || previous is null || mode == SnapshotMode.Btrfs))
                        throw new FormatException("begin: 'linked' needs a new hardlink or reflink snapshot and a previous one");
                    return new DestinationOp(words, d => SnapshotStore.BeginScript(d, name, resume, mode, previous, linked))
                    { Snapshot = name, Resume = resume, Mode = mode, Previous = previous, LinkClone = linked };
                }
            case "unlink":
                {
                    Count(words, a, 2, int.MaxValue);
                    var name = Snap(a[0]);
                    var paths = a.Skip(1).Select(RelativePath).ToList();
                    return new DestinationOp(words, d => SnapshotStore.UnlinkScript(d, name, paths)) { Snapshot = name, Paths = paths };
                }
            case "reflink":
                {
                    Count(words, a, 2, int.MaxValue);
                    var name = Snap(a[0]);
                    var paths = a.Skip(1).Select(RelativePath).ToList();
                    return new DestinationOp(words, d => SnapshotStore.ReflinkScript(d, name, paths)) { Snapshot = name, Paths = paths };
                }
            case "keep":
                {
                    Count(words, a, 4, int.MaxValue);
                    var (name, previous, mode) = (Snap(a[0]), OptionalSnap(a[1]), ParseMode(a[2]));
                    var paths = a.Skip(3).Select(RelativePath).ToList();
                    return new DestinationOp(words, d => SnapshotStore.KeepScript(d, name, previous, mode, paths))
                    { Snapshot = name, Previous = previous, Mode = mode, Paths = paths };
                }
            case "commit":
                {
                    Count(words, a, 1, int.MaxValue);
                    var name = Snap(a[0]);
                    var stale = a.Skip(1).Select(Snap).ToList();
                    return new DestinationOp(words, d => SnapshotStore.CommitScript(d, name, stale)) { Snapshot = name, Names = stale };
                }
            case "delete":
                {
                    Count(words, a, 1, int.MaxValue);
                    var names = a.Select(Snap).ToList();
                    return new DestinationOp(words, d => SnapshotStore.DeleteScript(d, names)) { Names = names };
                }
            case "lease":
                {
                    if (a.Count != 3) Count(words, a, 6, 6);
                    var exclusive = Choice(a[0], "shared", "exclusive") == 1;
                    var create = Choice(a[1], "nocreate", "create") == 1;
                    if (!int.TryParse(a[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 86_400)
                        throw new FormatException($"lease: '{a[2]}' is not a number of seconds (1 to 86400)");
                    LeaseSession? session = null;
                    if (a.Count == 6)
                    {
                        if (!LeaseSession.IsMarker(a[3])) throw new FormatException($"lease: '{Printable(a[3])}' is not a marker (16 to 64 hex digits)");
                        var probe = Choice(a[4], "none", "plain", "clones");
                        session = new LeaseSession(a[3], probe == 0 ? null : probe == 2, Choice(a[5], "hold", "steps") == 1);
                    }
                    return new DestinationOp(words, d => DestinationLease.Script(d, exclusive, create, TimeSpan.FromSeconds(seconds), session))
                    { Exclusive = exclusive, Create = create, Session = session };
                }
            case "shared":
                {
                    Count(words, a, 3, int.MaxValue);
                    var name = Snap(a[0]);
                    var others = a[1].Split(',').Select(Snap).ToList();
                    var paths = a.Skip(2).Select(RelativePath).ToList();
                    return new DestinationOp(words, d => VerifyRun.SharedScript(d, name, others, paths)) { Snapshot = name, Names = others, Paths = paths };
                }
            case "hash":
                {
                    Count(words, a, 2, int.MaxValue);
                    var name = OptionalSnap(a[0]);
                    var paths = a.Skip(1).Select(RelativePath).ToList();
                    return new DestinationOp(words, d => HardLinkCheck.HashScript(
                        name is null ? d : JoinPath(d, SnapshotName.SnapshotsDirectory + "/" + name), paths))
                    { Snapshot = name, Paths = paths };
                }
            default:
                throw new FormatException($"unknown operation '{Printable(words[0])}'");
        }
    }

    /// <summary>DEST/relative as a path on the destination.</summary>
    internal static string JoinPath(string directory, string relative) => directory == "/" ? "/" + relative : directory + "/" + relative;

    private static string ModeWord(SnapshotMode mode) => mode == SnapshotMode.Auto
        ? throw new ArgumentException("a step needs a resolved snapshot mode, not auto", nameof(mode))
        : mode.Name();

    private static void Count(IReadOnlyList<string> words, List<string> a, int min, int max)
    {
        if (a.Count < min || a.Count > max)
            throw new FormatException($"{words[0]}: {(a.Count < min ? "too few" : "too many")} arguments ({a.Count})");
    }

    private static int Choice(string word, params string[] choices)
    {
        var index = Array.IndexOf(choices, word);
        return index >= 0 ? index : throw new FormatException($"'{Printable(word)}': expected {string.Join(" or ", choices)}");
    }

    private static string Snap(string word) => SnapshotName.TryParse(word, out var time) && SnapshotName.Format(time) == word
        ? word
        : throw new FormatException($"'{Printable(word)}' is not a snapshot name (like 2025-06-01T021500Z)");

    private static string? OptionalSnap(string word) => word == "-" ? null : Snap(word);

    private static SnapshotMode ParseMode(string word) =>
        SnapshotModes.TryParse(word, out var mode) && mode != SnapshotMode.Auto
            ? mode
            : throw new FormatException($"'{Printable(word)}' is not a snapshot mode (hardlink, reflink or btrfs)");

    /// <summary>A relative path below a snapshot: not empty, not absolute, no empty, "." or ".." component, no NUL.</summary>
    private static string RelativePath(string word)
    {
        if (word.Length == 0 || word.StartsWith('/') || word.Contains('\0', StringComparison.Ordinal)
            || word.Split('/').Any(c => c is "" or "." or ".."))
            throw new FormatException($"'{Printable(word)}' is not a relative path inside a snapshot");
        return word;
    }

    /// <summary>The word for a message: control characters shown as '?', at most 80 characters.</summary>
    internal static string Printable(string word)
    {
        var text = new string([.. word.Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 80 ? text[..80] + "..." : text;
    }
}
