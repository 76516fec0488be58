using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ReverseCrypt.Crypto;
using ReverseCrypt.Format;
using ReverseCrypt.Interop;
using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>
/// The options of change-driven backups (<c>--full</c>, <c>--full-every N</c>) and the <see cref="ChangeDetector"/>
/// of one run: the walk sees what the view of <see cref="ReverseViewSettings"/> shows, and the manifest is keyed by
/// destination and source and stamped with everything else that shapes the copied tree.
/// </summary>
public sealed class ChangeDetection
{
    public Option<bool> Full { get; } = new("--full")
    {
        Description = "Look at every file (a full run) instead of only those changed since the last complete run.",
    };

    public Option<int> FullEvery { get; } = new("--full-every")
    {
        Description = "Make every Nth run a full one (default 7; 1: always full; 0: only when needed: no manifest, failed previous run, other options).",
        HelpName = "N",
        DefaultValueFactory = _ => 7,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Full);
        command.Options.Add(FullEvery);
    }

    /// <summary>Checks the options (before the key is opened).</summary>
    public void Validate(ParseResult result)
    {
        if (result.GetValue(FullEvery) < 0) throw new CliException(ExitCodes.Usage, "--full-every: N cannot be negative");
    }

    /// <summary>The detector of a run of <paramref name="settings"/> to <paramref name="destination"/>; the caller
    /// keeps <paramref name="core"/> alive while it is used.</summary>
    public ChangeDetector Create(ParseResult result, ReverseViewSettings settings, CryptoCore core, BackupDestination destination,
        bool snapshots, BackupJobOptions job)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(job);
        var format = settings.Key.Options;
        var names = new NameTransform(core);
        var plainRoot = Path.GetFullPath(settings.PlainDir);
        var reserved = new List<byte[]>();
        if (IsInTreeConfig(settings.ConfigPath, plainRoot)) reserved.Add(NameTransform.ReverseConfFileName.ToArray());
        if (format.PlaintextNames && !settings.HideConfig) reserved.Add(NameTransform.ConfFileName.ToArray());
        var scan = new ChangeScanOptions(plainRoot)
        {
            Exclude = settings.Exclude,
            OneFileSystem = settings.OneFileSystem,
            ReservedRootNames = reserved,
        };
        var identity = ManifestFile.IdentityOf(IdentityParts(result, settings, names, format, snapshots, job));
        var manifest = ManifestFile.PathFor(ManifestFile.DefaultDirectory(), destination.Text, plainRoot);
        return new ChangeDetector(scan, names, !format.PlaintextNames && format.DirIv, manifest, identity)
        {
            ForceFull = result.GetValue(Full),
            FullEvery = result.GetValue(FullEvery),
        };
    }

    /// <summary>Everything that, changed, makes the copied tree differ although the plaintext did not: the format,
    /// the key (as the cipher name of a fixed name: public on every destination anyway), the config the view shows
    /// (its bytes and its times), the excludes, --one-file-system, snapshots or mirror.</summary>
    private IEnumerable<string> IdentityParts(ParseResult result, ReverseViewSettings settings, NameTransform names, FormatOptions format,
        bool snapshots, BackupJobOptions job)
    {
        // The version of what the view shows for an unchanged plaintext. 2 (2026-12-08): a hard-linked file's xattr
        // values take their nonces from its inode, no longer from each link's path, so the first run after it is full
        // and stores the new values (in new inodes, as a full run does).
        yield return "reversecrypt-manifest-2";
        yield return format.ToString();
        Span<byte> iv = stackalloc byte[PathIv.Size];
        names.ComputeDirIv([], iv);
        Span<byte> cipher = stackalloc byte[NameTransform.MaxCipherNameLength];
        var length = names.EncryptName("reversecrypt-key-check"u8, iv, cipher);
        yield return "key " + Encoding.ASCII.GetString(cipher[..length]);
        yield return "snapshots " + snapshots;
        yield return "hide-config " + settings.HideConfig;
        yield return "one-file-system " + settings.OneFileSystem;
        foreach (var e in result.GetValue(job.Excludes.Exclude) ?? []) yield return "exclude " + e;
        foreach (var w in result.GetValue(job.Excludes.ExcludeWildcard) ?? []) yield return "wildcard " + w;
        foreach (var f in result.GetValue(job.Excludes.ExcludeFrom) ?? []) yield return "exclude-from " + FileStamp(f.FullName);
        yield return "config " + (settings.ConfigPath is { } config ? FileStamp(config) : "none");
    }

    /// <summary>A file's path, content digest and times (the view shows the config with its own times).</summary>
    private static string FileStamp(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            var digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full)));
            var info = new FileInfo(full);
            return $"{full} {digest} {info.LastWriteTimeUtc.Ticks} {info.Length} {Stat(full)}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{full} unreadable";
        }
    }

    private static string Stat(string path) => StatOf(path) is { } st
        ? string.Create(CultureInfo.InvariantCulture, $"{st.Mode} {st.Uid} {st.Gid} {st.Mtime.Sec}.{st.Mtime.Nsec} {st.Ctime.Sec}.{st.Ctime.Nsec} {st.Ino}")
        : "-";

    private static Libc.StatxBuffer? StatOf(string path)
    {
        var pathZ = Encoding.UTF8.GetBytes(path + "\0");
        unsafe
        {
            fixed (byte* p = pathZ)
            {
                using var fd = Libc.OpenatZ(Libc.AT_FDCWD, p, Libc.OpenFlags.O_RDONLY, out _);
                return fd is null || Libc.StatxFd(fd, out var st) != Errno.OK ? null : st;
            }
        }
    }

    /// <summary>As the view decides (ReverseFileSystem.DecideConfig): the in-tree name is reserved unless another
    /// file is the config.</summary>
    private static bool IsInTreeConfig(string? configPath, string plainRoot)
    {
        if (configPath is null) return true;
        if (StatOf(Path.GetFullPath(configPath)) is not { } config) return false;
        if (StatOf(Path.Combine(plainRoot, ".gocryptfs.reverse.conf")) is not { } inTree) return false;
        return config.Dev == inTree.Dev && config.Ino == inTree.Ino;
    }
}
