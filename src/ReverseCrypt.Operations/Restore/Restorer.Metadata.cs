using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Restore;

public sealed partial class Restorer
{
    /// <summary>Owner (as root), then mode (after chown, which clears setuid/setgid), then xattrs and ACLs (after
    /// the mode: an access ACL sets the group bits itself), then atime/mtime with nanoseconds, on an open file or
    /// directory.</summary>
    internal void ApplyFdMetadata(SafeFd fd, Libc.StatxBuffer stat, List<(byte[] Name, byte[] Value)> xattrs, byte[] plainPath,
        byte[] cipherPath)
    {
        if (_restoreOwners)
        {
            Check(Libc.FchownFd(fd, stat.Uid, stat.Gid), "owner", plainPath, cipherPath);
        }
        Check(Libc.FchmodFd(fd, stat.Mode & PermissionBits), "mode", plainPath, cipherPath);
        foreach (var (name, value) in xattrs)
        {
            if (Check(Libc.FsetxattrFd(fd, name, value, 0), "xattr " + BytePath.Display(name), plainPath, cipherPath))
            {
                Interlocked.Increment(ref _counts.Xattrs);
            }
        }
        Check(Libc.FutimensFd(fd, Time(stat.Atime), Time(stat.Mtime)), "times", plainPath, cipherPath);
    }

    /// <summary>The same for an object that must not be opened (symlink, FIFO, socket, device), by name in its
    /// directory, never following it. Symlinks have no mode of their own.</summary>
    private void ApplyNameMetadata(SafeFd parentFd, byte[] name, Libc.StatxBuffer stat, List<(byte[] Name, byte[] Value)> xattrs,
        byte[] plainPath, byte[] cipherPath, bool setMode)
    {
        if (_restoreOwners)
        {
            Check(Libc.FchownatName(parentFd, name, stat.Uid, stat.Gid), "owner", plainPath, cipherPath);
        }
        if (setMode)
        {
            Check(Libc.FchmodatName(parentFd, name, stat.Mode & PermissionBits), "mode", plainPath, cipherPath);
        }
        foreach (var (attrName, value) in xattrs)
        {
            if (Check(Libc.SetxattrAt(parentFd, name, attrName, value, 0), "xattr " + BytePath.Display(attrName), plainPath,
                    cipherPath))
            {
                Interlocked.Increment(ref _counts.Xattrs);
            }
        }
        Check(Libc.UtimensatName(parentFd, name, Time(stat.Atime), Time(stat.Mtime)), "times", plainPath, cipherPath);
    }

    /// <summary>Called by <see cref="TargetDir.Release"/> when nothing will be created in the directory any more.</summary>
    internal void ApplyDirectoryMetadata(TargetDir dir, Libc.StatxBuffer stat) =>
        ApplyFdMetadata(dir.Fd!, stat, dir.Xattrs, dir.PlainPath, dir.CipherPath);

    private bool Check(Errno errno, string what, byte[] plainPath, byte[] cipherPath)
    {
        if (errno == Errno.OK)
        {
            return true;
        }
        Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"{what} not restored: {Libc.Describe(errno)}");
        return false;
    }

    private static Libc.Timespec Time(Libc.StatxTimestamp timestamp) => new(timestamp.Sec, timestamp.Nsec);

    /// <summary>
    /// Reads and decrypts the xattrs of a cipher object (<paramref name="cipherName"/> in <paramref name="dirFd"/>, or
    /// the directory itself when empty). Undecryptable ones are reported as damage and left out.
    /// </summary>
    private List<(byte[] Name, byte[] Value)> ReadXattrs(SafeFd dirFd, ReadOnlySpan<byte> cipherName, byte[] cipherPath, byte[] plainPath)
    {
        var list = new List<CipherXattr>();
        var errno = _tree.ListXattrs(dirFd, cipherName, list);
        if (errno != Errno.OK)
        {
            Fail(RestoreFailureKind.SourceError, plainPath, cipherPath, $"xattrs cannot be listed: {Libc.Describe(errno)}");
            return [];
        }
        var result = new List<(byte[] Name, byte[] Value)>(list.Count);
        if (list.Count == 0)
        {
            return result;
        }
        var value = new byte[Libc.XattrSizeMax];
        foreach (var xattr in list)
        {
            if (xattr.PlainName is null)
            {
                Damage(new CipherProblem(CipherProblemKind.XattrNameInvalid, cipherPath, plainPath,
                    $"xattr {BytePath.Display(xattr.CipherName)}: the name does not decrypt"));
                continue;
            }
            errno = _tree.ReadXattrValue(dirFd, cipherName, xattr.CipherName, value, out int length);
            if (errno == Errno.EINVAL)
            {
                Damage(new CipherProblem(CipherProblemKind.XattrValueInvalid, cipherPath, plainPath,
                    $"xattr {BytePath.Display(xattr.PlainName)}: the value does not authenticate"));
                continue;
            }
            if (errno != Errno.OK)
            {
                Fail(RestoreFailureKind.SourceError, plainPath, cipherPath,
                    $"xattr {BytePath.Display(xattr.PlainName)} cannot be read: {Libc.Describe(errno)}");
                continue;
            }
            result.Add((xattr.PlainName, value.AsSpan(0, length).ToArray()));
        }
        return result;
    }

    /// <summary>Another link of an object met before (walker thread).</summary>
    private void LinkSecondary(LinkRecord primary, TargetDir dir, byte[] name, byte[] plainPath, byte[] cipherPath)
    {
        if (primary.TryQueue(dir, name, plainPath, cipherPath))
        {
            return;
        }
        if (!primary.IsDone)
        {
            FailLink(primary, plainPath, cipherPath);
            return;
        }
        if (_options.DryRun)
        {
            MakeLink(null, [], dir, name, plainPath, cipherPath);
            return;
        }
        using var primaryParent = OpenTargetParent(primary.PlainPath, out var primaryName, out var errno);
        if (primaryParent is null)
        {
            Fail(RestoreFailureKind.TargetError, plainPath, cipherPath,
                $"cannot reach {BytePath.Display(primary.PlainPath)} to link to it: {Libc.Describe(errno)}");
            return;
        }
        MakeLink(primaryParent, primaryName, dir, name, plainPath, cipherPath);
    }

    internal void FailLink(LinkRecord primary, byte[] plainPath, byte[] cipherPath) =>
        Fail(RestoreFailureKind.Damaged, plainPath, cipherPath,
            $"hard link to {BytePath.Display(primary.PlainPath)}, which could not be restored");

    /// <summary>Makes <paramref name="name"/> in <paramref name="dir"/> a hard link to the restored first link.</summary>
    internal void MakeLink(SafeFd? primaryDirFd, byte[] primaryName, TargetDir dir, byte[] name, byte[] plainPath, byte[] cipherPath)
    {
        ObjectDone();
        if (_options.DryRun)
        {
            Interlocked.Increment(ref _counts.HardLinks);
            return;
        }
        // Outside a dry run the first link's directory and the target directory are open.
        var errno = Libc.StatxName(primaryDirFd!, primaryName, out var primaryStat);
        if (errno != Errno.OK)
        {
            Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"the first link vanished: {Libc.Describe(errno)}");
            return;
        }
        var claimed = ClaimTarget(dir.Fd!, name, plainPath, cipherPath,
            existing => existing.Ino == primaryStat.Ino && existing.Dev == primaryStat.Dev);
        if (claimed != TargetState.Free)
        {
            if (claimed == TargetState.Complete)
            {
                NoteSensitive(plainPath, primaryStat);
            }
            return;
        }
        errno = Libc.LinkatName(primaryDirFd!, primaryName, dir.Fd!, name);
        if (errno != Errno.OK)
        {
            Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"link failed: {Libc.Describe(errno)}");
            return;
        }
        NoteSensitive(plainPath, primaryStat); // another name of a setuid file is listed too
        Interlocked.Increment(ref _counts.HardLinks);
    }

    /// <summary>Opens the target directory containing <paramref name="plainPath"/> component by component (O_PATH,
    /// O_NOFOLLOW: a symlink in the target is never followed).</summary>
    private SafeFd? OpenTargetParent(byte[] plainPath, out byte[] lastName, out Errno errno)
    {
        BytePath.TrySplit(plainPath, out var components);
        lastName = components.Count > 0 ? components[^1] : [];
        var fd = CipherIo.ReopenDirectory(_targetRoot!, out errno);
        for (int i = 0; fd is not null && i < components.Count - 1; i++)
        {
            var next = Libc.OpenatName(fd, components[i],
                Libc.OpenFlags.O_PATH | Libc.OpenFlags.O_DIRECTORY | Libc.OpenFlags.O_NOFOLLOW, out errno);
            fd.Dispose();
            fd = next;
        }
        return fd;
    }
}
