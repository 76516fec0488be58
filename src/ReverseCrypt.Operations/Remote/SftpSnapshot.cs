using System.Text;
using ReverseCrypt.Interop;
using ReverseCrypt.Operations.Backup;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Remote;

/// <summary>
/// Finds, over SFTP alone, the encrypted tree that `mount [user@]host:PATH` means: PATH itself when it is a tree (it
/// holds gocryptfs.conf or gocryptfs.diriv: a snapshot directory or a plain copy), PATH/snapshots/NAME with
/// <c>--snapshot NAME</c>, else the snapshot PATH/latest names, else the newest complete one in PATH/snapshots.
/// </summary>
public static class SftpSnapshot
{
    /// <summary>
    /// The tree's path on the remote (as SFTP takes it) and a label for messages ("snapshot NAME on DEST" or "DEST").
    /// Throws <see cref="NotInBackupException"/> (no such snapshot, an incomplete one, no snapshots at all) or
    /// <see cref="BackupException"/> (BadDestination: PATH missing or not a directory; RemoteUnreachable: SFTP failed).
    /// </summary>
    public static (byte[] Root, string Label) Locate(SftpClient client, BackupDestination destination, string? snapshot)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(destination);
        var path = destination.Path.StartsWith("~/", StringComparison.Ordinal) ? destination.Path[2..] : destination.Path;
        var store = new SftpCipherStore(client, Encoding.UTF8.GetBytes(path.Length == 0 || path == "~" ? "." : path));
        var dest = destination.Text;
        var errno = store.Stat([], out var self);
        if (errno != Errno.OK)
            throw errno == Errno.ENOENT
                ? new BackupException(BackupErrorKind.BadDestination, $"{dest}: no such directory")
                : Failed(dest, errno);
        if (self.FileType != CipherIo.S_IFDIR)
            throw new BackupException(BackupErrorKind.BadDestination, $"{dest} is not a directory");

        var snapshots = Encoding.ASCII.GetBytes(SnapshotName.SnapshotsDirectory);
        if (snapshot is not null)
        {
            var relative = BytePath.Join(snapshots, Encoding.UTF8.GetBytes(snapshot));
            if (SnapshotName.TryParse(snapshot, out _) && IsDirectory(store, relative, dest))
                return (Join(store, relative), $"snapshot {snapshot} on {dest}");
            if (IsDirectory(store, BytePath.Join(snapshots, Encoding.UTF8.GetBytes(snapshot + SnapshotName.IncompleteSuffix)), dest))
                throw new NotInBackupException($"snapshot {snapshot} on {dest} is incomplete (its backup was interrupted or is running); pick a complete one ('reversecrypt snapshots' lists them)");
            throw new NotInBackupException($"no snapshot {snapshot} on {dest} ('reversecrypt snapshots' lists them)");
        }
        if (Exists(store, "gocryptfs.conf"u8, dest) || Exists(store, "gocryptfs.diriv"u8, dest))
            return (Join(store, []), dest);

        Span<byte> target = stackalloc byte[Libc.PathMax];
        int length = store.Readlink(Encoding.ASCII.GetBytes(SnapshotName.LatestLink), target, out errno);
        if (length > 0)
        {
            var text = Encoding.UTF8.GetString(target[..length]).TrimEnd('/');
            var prefix = SnapshotName.SnapshotsDirectory + "/";
            if (text.StartsWith(prefix, StringComparison.Ordinal) && SnapshotName.TryParse(text[prefix.Length..], out _)
                && IsDirectory(store, Encoding.UTF8.GetBytes(text), dest))
                return (Join(store, Encoding.UTF8.GetBytes(text)), $"snapshot {text[prefix.Length..]} on {dest}");
        }
        else if (errno is not (Errno.ENOENT or Errno.EINVAL))
        {
            throw Failed(dest, errno);
        }

        var entries = store.ReadEntries(snapshots, out errno);
        if (entries is null && errno is not (Errno.ENOENT or Errno.ENOTDIR))
            throw Failed(dest, errno);
        var newest = (entries ?? [])
            .Select(e => Encoding.UTF8.GetString(e.Name))
            .Where(n => SnapshotName.TryParse(n, out _))
            .Order(StringComparer.Ordinal)
            .LastOrDefault();
        if (newest is null)
            throw new NotInBackupException($"{dest} holds no complete snapshot and is no encrypted tree (no gocryptfs.conf or gocryptfs.diriv)");
        return (Join(store, BytePath.Join(snapshots, Encoding.UTF8.GetBytes(newest))), $"snapshot {newest} on {dest}");
    }

    private static byte[] Join(SftpCipherStore store, byte[] relative) =>
        relative.Length == 0 ? store.RootPath : BytePath.Join(store.RootPath, relative);

    private static bool IsDirectory(SftpCipherStore store, byte[] relative, string dest)
    {
        var errno = store.Stat(relative, out var stat);
        if (errno is Errno.ENOENT or Errno.ENOTDIR)
            return false;
        if (errno != Errno.OK)
            throw Failed(dest, errno);
        return stat.FileType == CipherIo.S_IFDIR;
    }

    private static bool Exists(SftpCipherStore store, ReadOnlySpan<byte> name, string dest)
    {
        var errno = store.Stat(name, out _);
        if (errno is Errno.ENOENT or Errno.ENOTDIR)
            return false;
        if (errno != Errno.OK)
            throw Failed(dest, errno);
        return true;
    }

    private static BackupException Failed(string dest, Errno errno) =>
        new(BackupErrorKind.RemoteUnreachable, $"cannot read {dest} over SFTP: {Libc.Describe(errno)}");
}
