using ReverseCrypt.Format;
using ReverseCrypt.Interop;
using ReverseCrypt.Operations.Check;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Restore;

public sealed partial class Restorer
{
    private const uint PermissionBits = 0xFFF; // 07777: permissions, setuid, setgid, sticky

    /// <summary>A directory being walked: its cipher side, its target side, and the next entry to restore.</summary>
    private sealed class Frame(CipherDirectory cipher, TargetDir target, IReadOnlyList<CipherEntry> entries)
    {
        public CipherDirectory Cipher { get; } = cipher;
        public TargetDir Target { get; } = target;
        public IReadOnlyList<CipherEntry> Entries { get; } = entries;
        public int Index;
    }

    private void RestoreAll()
    {
        var root = _tree.OpenRoot();
        Libc.StatxFd(root.Handle, out var rootStat);
        var xattrs = ReadXattrs(root.Handle, default, [], []);
        var listing = _tree.List(root);
        foreach (var problem in listing.Problems)
        {
            Damage(problem);
        }
        var target = new TargetDir(this, _targetRoot is null ? null : Reopen(_targetRoot), [], [], rootStat, xattrs);
        Walk(new Frame(root, target, listing.Entries));
    }

    private void RestoreSelected()
    {
        var rootTarget = new TargetDir(this, _targetRoot is null ? null : Reopen(_targetRoot), [], [], null, []);
        var ancestors = new Dictionary<byte[], TargetDir>(ByteArrayComparer.Instance);
        var resolver = new CipherPathResolver(_tree);
        try
        {
            foreach (var plainPath in _selected)
            {
                if (_cancellation.IsCancellationRequested)
                {
                    break;
                }
                if (plainPath.Length == 0)
                {
                    RestoreAll();
                    continue;
                }
                var resolved = resolver.Resolve(plainPath, out var problem);
                if (resolved is null)
                {
                    Fail(problem!.Kind == CipherProblemKind.NotFound ? RestoreFailureKind.NotFound : RestoreFailureKind.SourceError,
                        plainPath, problem.CipherPath, problem.Detail);
                    continue;
                }
                var parentTarget = rootTarget;
                bool ok = true;
                foreach (var ancestor in resolved.Ancestors)
                {
                    if (!ancestors.TryGetValue(ancestor.PlainPath, out var existing))
                    {
                        var fd = CreateDirectory(parentTarget, ancestor.PlainName, ancestor.PlainPath, ancestor.CipherPath);
                        if (fd is null && !_options.DryRun)
                        {
                            ok = false;
                            break;
                        }
                        existing = new TargetDir(this, fd, ancestor.PlainPath, ancestor.CipherPath, ancestor.Stat, []);
                        ancestors.Add(ancestor.PlainPath, existing);
                    }
                    parentTarget = existing;
                }
                if (!ok || resolved.Parent is null)
                {
                    resolved.Dispose();
                    continue;
                }
                var entry = new CipherEntry(resolved.CipherName, resolved.PlainName, CipherIo.DirentTypeOf(resolved.Stat.Mode),
                    resolved.Stat.Ino);
                parentTarget.AddRef();
                Walk(new Frame(resolved.Parent, parentTarget, [entry]));
            }
        }
        finally
        {
            foreach (var ancestor in ancestors.Values.Reverse())
            {
                ancestor.Release();
            }
            rootTarget.Release();
        }
    }

    /// <summary>The --path arguments without duplicates and without paths inside another selected path.</summary>
    private List<byte[]> NormalizeSelectedPaths()
    {
        var normalized = new List<byte[]>();
        foreach (var path in _options.Paths)
        {
            if (!BytePath.TrySplit(path, out var components))
            {
                Fail(RestoreFailureKind.NotFound, path, null, "not a valid relative path");
                continue;
            }
            byte[] joined = [];
            foreach (var component in components)
            {
                joined = BytePath.Join(joined, component);
            }
            normalized.Add(joined);
        }
        normalized.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        var result = new List<byte[]>();
        foreach (var path in normalized)
        {
            if (result.Count > 0 && IsInside(path, result[^1]))
            {
                continue;
            }
            result.Add(path);
        }
        return result;

        static bool IsInside(byte[] path, byte[] ancestor) =>
            ancestor.Length == 0
            || path.AsSpan().SequenceEqual(ancestor)
            || (path.Length > ancestor.Length && path.AsSpan().StartsWith(ancestor) && path[ancestor.Length] == (byte)'/');
    }

    /// <summary>Depth-first walk with an explicit stack (a hostile tree may be very deep).</summary>
    private void Walk(Frame start)
    {
        var stack = new Stack<Frame>();
        stack.Push(start);
        try
        {
            while (stack.Count > 0)
            {
                var frame = stack.Peek();
                if (frame.Index >= frame.Entries.Count || _cancellation.IsCancellationRequested)
                {
                    stack.Pop();
                    frame.Cipher.Dispose();
                    frame.Target.Release();
                    continue;
                }
                var entry = frame.Entries[frame.Index++];
                var child = RestoreEntry(frame, entry, stack.Count);
                if (child is not null)
                {
                    stack.Push(child);
                }
            }
        }
        finally
        {
            while (stack.Count > 0)
            {
                var frame = stack.Pop();
                frame.Cipher.Dispose();
                frame.Target.Release();
            }
        }
    }

    private Frame? RestoreEntry(Frame frame, CipherEntry entry, int depth)
    {
        var plainPath = BytePath.Join(frame.Target.PlainPath, entry.PlainName);
        var cipherPath = BytePath.Join(frame.Cipher.CipherPath, entry.CipherName);
        var errno = Libc.StatxName(frame.Cipher.Handle, entry.CipherName, out var stat);
        if (errno != Errno.OK)
        {
            Fail(RestoreFailureKind.SourceError, plainPath, cipherPath, $"cannot stat: {Libc.Describe(errno)}");
            return null;
        }
        uint type = stat.FileType;
        if (!_options.Devices && SensitiveEntry.IsDeviceOrFifo(stat.Mode))
        {
            // Before the hard-link table: every name of a skipped node is reported on its own.
            var skipped = new SensitiveEntry(plainPath, stat.Mode, stat.Uid, stat.Gid, stat.RdevMajor, stat.RdevMinor);
            Fail(RestoreFailureKind.DeviceSkipped, plainPath, cipherPath,
                $"{skipped.Kind}, mode {Convert.ToString(stat.Mode & PermissionBits, 8).PadLeft(4, '0')}, owner {stat.Uid}:{stat.Gid}: not created (restore --devices creates it)");
            ObjectDone();
            return null;
        }
        LinkRecord? link = null;
        if (type != CipherIo.S_IFDIR && stat.Nlink > 1)
        {
            // Only the walker thread touches the table.
            var key = (stat.Dev, stat.Ino);
            if (_links.TryGetValue(key, out var primary))
            {
                if (_options.DryRun)
                {
                    NoteSensitive(plainPath, stat); // a real run lists each link it makes (MakeLink)
                }
                LinkSecondary(primary, frame.Target, entry.PlainName, plainPath, cipherPath);
                return null;
            }
            link = new LinkRecord(plainPath, cipherPath);
            _links.Add(key, link);
        }
        switch (type)
        {
            case CipherIo.S_IFDIR:
                return RestoreDirectory(frame, entry, stat, plainPath, cipherPath, depth);
            case CipherIo.S_IFREG:
                RestoreFile(frame, entry, stat, plainPath, cipherPath, link);
                return null;
            case CipherIo.S_IFLNK:
                {
                    bool ok = RestoreSymlink(frame, entry, stat, plainPath, cipherPath);
                    link?.Finish(ok, this, frame.Target.Fd, entry.PlainName);
                    return null;
                }
            case CipherIo.S_IFIFO or CipherIo.S_IFSOCK or CipherIo.S_IFCHR or CipherIo.S_IFBLK:
                {
                    bool ok = RestoreSpecial(frame, entry, stat, plainPath, cipherPath);
                    link?.Finish(ok, this, frame.Target.Fd, entry.PlainName);
                    return null;
                }
            default:
                Fail(RestoreFailureKind.SourceError, plainPath, cipherPath, $"unknown file type 0{type:o}");
                link?.Finish(false, this, null, entry.PlainName);
                return null;
        }
    }

    private Frame? RestoreDirectory(Frame frame, CipherEntry entry, Libc.StatxBuffer stat, byte[] plainPath, byte[] cipherPath,
        int depth)
    {
        if (depth >= MaxDepth)
        {
            Fail(RestoreFailureKind.SourceError, plainPath, cipherPath, $"directories nested deeper than {MaxDepth} levels: not restored");
            return null;
        }
        var cipher = _tree.OpenDirectory(frame.Cipher, entry, out var errno);
        if (cipher is null)
        {
            Fail(RestoreFailureKind.SourceError, plainPath, cipherPath, $"cannot open directory: {Libc.Describe(errno)}");
            return null;
        }
        var fd = CreateDirectory(frame.Target, entry.PlainName, plainPath, cipherPath);
        if (fd is null && !_options.DryRun)
        {
            cipher.Dispose();
            return null;
        }
        var xattrs = ReadXattrs(frame.Cipher.Handle, entry.CipherName, cipherPath, plainPath);
        var listing = _tree.List(cipher);
        foreach (var problem in listing.Problems)
        {
            Damage(problem);
        }
        Interlocked.Increment(ref _counts.Directories);
        ObjectDone();
        return new Frame(cipher, new TargetDir(this, fd, plainPath, cipherPath, stat, xattrs), listing.Entries);
    }

    /// <summary>mkdir (or reuse an existing directory) and open it; null (failure recorded) when impossible or in a
    /// dry run.</summary>
    private SafeFd? CreateDirectory(TargetDir parent, byte[] plainName, byte[] plainPath, byte[] cipherPath)
    {
        if (_options.DryRun)
        {
            return null;
        }
        var existing = Libc.StatxName(parent.Fd!, plainName, out var existingStat);
        if (existing == Errno.OK && existingStat.FileType != CipherIo.S_IFDIR)
        {
            if (!_options.Overwrite)
            {
                Fail(RestoreFailureKind.Conflict, plainPath, cipherPath, "exists and is not a directory (use --overwrite to replace it)");
                return null;
            }
            var removed = Libc.UnlinkatName(parent.Fd!, plainName, 0);
            if (removed != Errno.OK)
            {
                Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"cannot remove the existing entry: {Libc.Describe(removed)}");
                return null;
            }
            existing = Errno.ENOENT;
        }
        if (existing == Errno.ENOENT)
        {
            var made = Libc.MkdiratName(parent.Fd!, plainName, 0x1C0); // 0700 until its own attributes are applied
            if (made != Errno.OK && made != Errno.EEXIST)
            {
                Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"mkdir failed: {Libc.Describe(made)}");
                return null;
            }
        }
        else if (existing != Errno.OK)
        {
            Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"cannot stat the target: {Libc.Describe(existing)}");
            return null;
        }
        var fd = CipherIo.OpenDirectory(parent.Fd!, plainName, out var errno);
        if (fd is null)
        {
            Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"cannot open the new directory: {Libc.Describe(errno)}");
        }
        return fd;
    }

    /// <summary>What is at a target name before an object is created there.</summary>
    internal enum TargetState
    {
        /// <summary>Nothing: create it.</summary>
        Free,
        /// <summary>Something different, and --overwrite: remove it, then create.</summary>
        Replace,
        /// <summary>The same object is already there (a re-run): leave it.</summary>
        Complete,
        /// <summary>Cannot go on; the failure is recorded.</summary>
        Blocked,
    }

    /// <summary>Checks what exists at the target name (never follows a symlink there).</summary>
    internal TargetState PrepareTarget(SafeFd parentFd, byte[] plainName, byte[] plainPath, byte[] cipherPath,
        Func<Libc.StatxBuffer, bool> isComplete)
    {
        var errno = Libc.StatxName(parentFd, plainName, out var existing);
        if (errno == Errno.ENOENT)
        {
            return TargetState.Free;
        }
        if (errno != Errno.OK)
        {
            Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"cannot stat the target: {Libc.Describe(errno)}");
            return TargetState.Blocked;
        }
        if (isComplete(existing))
        {
            return TargetState.Complete;
        }
        if (existing.FileType == CipherIo.S_IFDIR)
        {
            Fail(RestoreFailureKind.Conflict, plainPath, cipherPath, "a directory is in the way");
            return TargetState.Blocked;
        }
        if (!_options.Overwrite)
        {
            Fail(RestoreFailureKind.Conflict, plainPath, cipherPath, "exists and differs (use --overwrite to replace it)");
            return TargetState.Blocked;
        }
        return TargetState.Replace;
    }

    /// <summary>
    /// <see cref="PrepareTarget"/> for an object created in one step: Complete (counted as already complete), Blocked
    /// (the failure is recorded, including a failed removal under --overwrite) or Free (the name is free: create it).
    /// </summary>
    internal TargetState ClaimTarget(SafeFd parentFd, byte[] plainName, byte[] plainPath, byte[] cipherPath,
        Func<Libc.StatxBuffer, bool> isComplete)
    {
        var prepared = PrepareTarget(parentFd, plainName, plainPath, cipherPath, isComplete);
        if (prepared == TargetState.Complete)
        {
            Interlocked.Increment(ref _counts.AlreadyComplete);
            return TargetState.Complete;
        }
        if (prepared == TargetState.Blocked
            || (prepared == TargetState.Replace && !RemoveForReplace(parentFd, plainName, plainPath, cipherPath)))
        {
            return TargetState.Blocked;
        }
        return TargetState.Free;
    }

    /// <summary>Removes the entry PrepareTarget said to replace. False (failure recorded) when that fails.</summary>
    internal bool RemoveForReplace(SafeFd parentFd, byte[] plainName, byte[] plainPath, byte[] cipherPath)
    {
        var errno = Libc.UnlinkatName(parentFd, plainName, 0);
        if (errno is Errno.OK or Errno.ENOENT)
        {
            return true;
        }
        Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"cannot remove the existing entry: {Libc.Describe(errno)}");
        return false;
    }

    private bool RestoreSymlink(Frame frame, CipherEntry entry, Libc.StatxBuffer stat, byte[] plainPath, byte[] cipherPath)
    {
        var target = new byte[CipherTree.MaxTargetLength];
        var errno = _tree.ReadSymlink(frame.Cipher.Handle, entry.CipherName, target, out int targetLength);
        if (errno != Errno.OK)
        {
            if (errno == Errno.EINVAL)
            {
                Damage(new CipherProblem(CipherProblemKind.SymlinkInvalid, cipherPath, plainPath, "the symlink target does not decrypt"));
            }
            else
            {
                Fail(RestoreFailureKind.SourceError, plainPath, cipherPath, $"cannot read the symlink: {Libc.Describe(errno)}");
            }
            return false;
        }
        var plainTarget = target.AsSpan(0, targetLength).ToArray();
        var xattrs = ReadXattrs(frame.Cipher.Handle, entry.CipherName, cipherPath, plainPath);
        ObjectDone();
        if (_options.DryRun)
        {
            Interlocked.Increment(ref _counts.Symlinks);
            return true;
        }
        var parentFd = frame.Target.Fd!;
        var prepared = ClaimTarget(parentFd, entry.PlainName, plainPath, cipherPath,
            existing => existing.FileType == CipherIo.S_IFLNK && SameSymlink(parentFd, entry.PlainName, plainTarget));
        if (prepared != TargetState.Free)
        {
            return prepared == TargetState.Complete;
        }
        errno = Libc.SymlinkatName(plainTarget, parentFd, entry.PlainName);
        if (errno != Errno.OK)
        {
            Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"symlink failed: {Libc.Describe(errno)}");
            return false;
        }
        ApplyNameMetadata(parentFd, entry.PlainName, stat, xattrs, plainPath, cipherPath, setMode: false);
        Interlocked.Increment(ref _counts.Symlinks);
        return true;
    }

    private static bool SameSymlink(SafeFd dirFd, byte[] name, byte[] plainTarget)
    {
        Span<byte> existing = stackalloc byte[Libc.PathMax];
        int length = Libc.ReadlinkatName(dirFd, name, existing, out _);
        return length >= 0 && existing[..length].SequenceEqual(plainTarget);
    }

    private bool RestoreSpecial(Frame frame, CipherEntry entry, Libc.StatxBuffer stat, byte[] plainPath, byte[] cipherPath)
    {
        var xattrs = ReadXattrs(frame.Cipher.Handle, entry.CipherName, cipherPath, plainPath);
        ObjectDone();
        if (_options.DryRun)
        {
            NoteSensitive(plainPath, stat);
            Interlocked.Increment(ref _counts.Specials);
            return true;
        }
        var parentFd = frame.Target.Fd!;
        var prepared = ClaimTarget(parentFd, entry.PlainName, plainPath, cipherPath,
            existing => existing.FileType == stat.FileType && existing.Rdev == stat.Rdev);
        if (prepared != TargetState.Free)
        {
            if (prepared == TargetState.Complete)
            {
                NoteSensitive(plainPath, stat);
            }
            return prepared == TargetState.Complete;
        }
        var errno = Libc.MknodatName(parentFd, entry.PlainName, stat.FileType | 0x180, stat.Rdev); // 0600 until chmod
        if (errno != Errno.OK)
        {
            Fail(RestoreFailureKind.TargetError, plainPath, cipherPath, $"mknod failed: {Libc.Describe(errno)}");
            return false;
        }
        ApplyNameMetadata(parentFd, entry.PlainName, stat, xattrs, plainPath, cipherPath, setMode: true);
        NoteSensitive(plainPath, stat);
        Interlocked.Increment(ref _counts.Specials);
        return true;
    }

    private static SafeFd? Reopen(SafeFd dirFd) => CipherIo.ReopenDirectory(dirFd, out _);
}
