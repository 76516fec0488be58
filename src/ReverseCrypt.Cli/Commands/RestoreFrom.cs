using System.CommandLine;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Operations.Remote;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Cli.Commands;

/// <summary>
/// `restore --from DEST [--snapshot NAME] [--ssh CMD]`: the options, and the source they open: a snapshot of a local
/// or remote backup destination whose needed objects (only those) have been fetched into a private staging directory,
/// with its key open. The restore itself is the ordinary one, run on <see cref="RestoreSource.CipherDir"/>.
/// </summary>
public sealed class RestoreFromOptions
{
    public Option<string?> From { get; } = new("--from")
    {
        Description = "Restore from this backup destination (a local directory or [user@]host:path, as given to backup) instead of CIPHERDIR; then the only argument is TARGET. Only the objects the --path options need are fetched.",
        HelpName = "DEST",
    };

    public Option<string?> Snapshot { get; } = new("--snapshot")
    {
        Description = "With --from: restore from this snapshot (a name 'reversecrypt snapshots' lists) instead of the latest.",
        HelpName = "NAME",
    };

    public Option<string?> Ssh { get; } = new("--ssh")
    {
        Description = "With --from: remote shell command for a [user@]host:path destination, as rsync's -e (default: ssh).",
        HelpName = "CMD",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(From);
        command.Options.Add(Snapshot);
        command.Options.Add(Ssh);
    }

    /// <summary>
    /// Null without --from. Otherwise: picks the snapshot, fetches its config, opens the key (the snapshot's own config,
    /// or --config, or --masterkey), fetches what <paramref name="plainPaths"/> need (everything when empty) and
    /// reports it on stderr. <paramref name="first"/> and <paramref name="second"/> are the positional arguments.
    /// </summary>
    public RestoreSource? Open(ParseResult result, PasswordSource passwords, string? configPath, IReadOnlyList<byte[]> plainPaths,
        string? first, string? second)
    {
        ArgumentNullException.ThrowIfNull(result);
        var from = result.GetValue(From);
        if (from is null)
        {
            if (result.GetValue(Snapshot) is not null || result.GetValue(Ssh) is not null)
                throw new CliException(ExitCodes.Usage, "--snapshot and --ssh need --from DEST");
            return null;
        }
        if (second is not null)
            throw new CliException(ExitCodes.Usage, "with --from DEST give only TARGET (not CIPHERDIR TARGET)");
        var target = first ?? throw new CliException(ExitCodes.Usage, "TARGET is missing");
        using var interruption = new Interruption();
        var ssh = result.GetValue(Ssh);
        SnapshotFetch? fetch = null;
        OpenedKey? key = null;
        try
        {
            var catalog = RemoteErrors.Map(() => SnapshotCatalog.Read(from, ssh, interruption.Token));
            fetch = RemoteErrors.Map(() => SnapshotFetch.Begin(catalog, ssh, result.GetValue(Snapshot), interruption.Token));
            key = OpenKey(fetch, passwords, configPath);
            using (var core = key.CreateCore())
            {
                var f = fetch;
                RemoteErrors.Map(() =>
                {
                    f.FetchPaths(core, plainPaths, interruption.Token);
                    return 0;
                });
            }
            var (files, bytes) = fetch.Staged();
            Console.Error.WriteLine(fetch.IsStaged
                ? $"reversecrypt: {fetch.Label}: fetched {files} files ({ProgressLine.Bytes(bytes)}) in {fetch.Transfers} rsync runs"
                : $"reversecrypt: restoring from {fetch.Label}");
            return new RestoreSource(fetch, key, target);
        }
        catch (OperationCanceledException e)
        {
            key?.Dispose();
            fetch?.Dispose();
            throw new CliException(ExitCodes.Interrupted, "interrupted while fetching; nothing was restored", e);
        }
        catch
        {
            key?.Dispose();
            fetch?.Dispose();
            throw;
        }
    }

    private static OpenedKey OpenKey(SnapshotFetch fetch, PasswordSource passwords, string? configPath)
    {
        try
        {
            return CipherTreeKey.Open(passwords, fetch.CipherDir, configPath);
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.WrongPassword && configPath is null)
        {
            throw new CliException(ExitCodes.WrongPassword,
                $"the password does not open the config of {fetch.Label} (changed with 'passwd' since that snapshot was made?); " +
                "give --config FILE with the current config, or --masterkey HEX|stdin", e);
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.ConfigMissing && configPath is null)
        {
            throw new CliException(ExitCodes.ConfigMissing,
                $"{fetch.Label} has no gocryptfs.conf; give --config FILE (e.g. PLAINDIR/.gocryptfs.reverse.conf) or --masterkey HEX|stdin", e);
        }
    }
}

/// <summary>An opened <c>--from</c> source: the (staged) encrypted tree, its key, and TARGET. Disposing removes the
/// staging directory.</summary>
public sealed class RestoreSource : IDisposable
{
    private readonly SnapshotFetch _fetch;
    private OpenedKey? _key;

    internal RestoreSource(SnapshotFetch fetch, OpenedKey key, string target)
    {
        _fetch = fetch;
        _key = key;
        Target = target;
    }

    public string CipherDir => _fetch.CipherDir;

    public string Target { get; }

    /// <summary>The opened key; the caller owns (disposes) it from now on.</summary>
    public OpenedKey TakeKey()
    {
        var key = _key ?? throw new InvalidOperationException("the key was taken already");
        _key = null;
        return key;
    }

    public void Dispose()
    {
        _key?.Dispose();
        _fetch.Dispose();
    }
}
