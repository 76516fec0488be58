using ReverseCrypt.Format.Content;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Restore;

public sealed partial class Restorer
{
    private void RestoreFile(Frame frame, CipherEntry entry, Libc.StatxBuffer stat, byte[] plainPath, byte[] cipherPath,
        LinkRecord? link)
    {
        var parentFd = frame.Target.Fd;
        var file = CipherFile.Open(_tree, frame.Cipher.Handle, entry.CipherName, cipherPath, out var status, out var errno);
        if (file is null)
        {
            switch (status)
            {
                case ContentStatus.TooShort:
                    Damage(new CipherProblem(CipherProblemKind.FileTooShort, cipherPath, plainPath,
                        $"{stat.Size} bytes: too short for a header (truncated)"));
                    break;
                case ContentStatus.HeaderInvalid:
                    Damage(new CipherProblem(CipherProblemKind.HeaderInvalid, cipherPath, plainPath, "invalid file header"));
                    break;
                default:
                    Fail(RestoreFailureKind.SourceError, plainPath, cipherPath, $"cannot open: {Libc.Describe(errno)}");
                    break;
            }
            ObjectDone();
            link?.Finish(false, this, parentFd, entry.PlainName);
            return;
        }
        var xattrs = ReadXattrs(frame.Cipher.Handle, entry.CipherName, cipherPath, plainPath);
        bool replace = false;
        if (!_options.DryRun)
        {
            long plainSize = file.PlainSize;
            var prepared = PrepareTarget(parentFd!, entry.PlainName, plainPath, cipherPath,
                existing => existing.FileType == CipherIo.S_IFREG && (long)existing.Size == plainSize
                            && existing.Mtime.Sec == stat.Mtime.Sec && existing.Mtime.Nsec == stat.Mtime.Nsec);
            if (prepared is TargetState.Complete or TargetState.Blocked)
            {
                bool complete = prepared == TargetState.Complete;
                if (complete)
                {
                    NoteSensitive(plainPath, stat);
                    Interlocked.Increment(ref _counts.AlreadyComplete);
                    Interlocked.Add(ref _counts.Bytes, plainSize);
                }
                file.Dispose();
                ObjectDone();
                link?.Finish(complete, this, parentFd, entry.PlainName);
                return;
            }
            replace = prepared == TargetState.Replace;
        }
        long blocks = file.BlockCount;
        int chunks = (int)Math.Max(1, (blocks + ChunkBlocks - 1) / ChunkBlocks);
        var task = new FileTask(file, frame.Target, entry.PlainName, plainPath, cipherPath, stat, !_options.DryRun, replace, xattrs,
            link, chunks);
        frame.Target.AddRef();
        for (int c = 0; c < chunks; c++)
        {
            long first = (long)c * ChunkBlocks;
            if (!_pool!.Add(new FileChunk(task, first, (int)Math.Min(ChunkBlocks, Math.Max(0, blocks - first)))))
            {
                break; // a worker crashed; Complete() reports it
            }
        }
    }

    private void ProcessChunk(FileChunk chunk, int worker)
    {
        var task = chunk.Task;
        try
        {
            if (chunk.Blocks == 0 || task.Failure is not null || _cancellation.IsCancellationRequested)
            {
                return;
            }
            var plain = _buffers.Plain(worker);
            var cipher = _buffers.Cipher(worker);
            var status = task.Source.ReadBlocks(chunk.FirstBlock, plain.AsSpan(0, chunk.Blocks * ContentLayout.PlainBlockSize), cipher,
                out int length, out long badBlock, out var errno);
            if (status == ContentStatus.BlockInvalid)
            {
                var problem = new CipherProblem(CipherProblemKind.BlockInvalid, task.CipherPath, task.PlainPath,
                    $"block {badBlock} (plaintext offset {ContentLayout.PlainOffsetOfBlock(badBlock)}) does not authenticate", badBlock);
                task.SetFailure(new RestoreFailure(RestoreFailureKind.Damaged, task.PlainPath, task.CipherPath,
                    $"{problem.Kind}: {problem.Detail}", problem));
                return;
            }
            if (status != ContentStatus.Ok)
            {
                task.SetFailure(new RestoreFailure(RestoreFailureKind.SourceError, task.PlainPath, task.CipherPath,
                    $"read failed: {Libc.Describe(errno)}"));
                return;
            }
            if (task.Write)
            {
                var target = task.GetTarget(CreateTarget);
                if (target is null)
                {
                    return;
                }
                var written = WriteNonZero(target, plain.AsSpan(0, length), ContentLayout.PlainOffsetOfBlock(chunk.FirstBlock));
                if (written != Errno.OK)
                {
                    task.SetFailure(new RestoreFailure(RestoreFailureKind.TargetError, task.PlainPath, task.CipherPath,
                        $"write failed: {Libc.Describe(written)}"));
                    return;
                }
            }
            Interlocked.Add(ref _counts.Bytes, length);
        }
        finally
        {
            if (Interlocked.Decrement(ref task.Remaining) == 0)
            {
                FinishFile(task);
            }
        }
    }

    /// <summary>Writes the blocks that are not all zero; all-zero 4 KiB blocks stay holes (the final ftruncate
    /// gives the file its size).</summary>
    private static Errno WriteNonZero(SafeFd fd, ReadOnlySpan<byte> plain, long fileOffset)
    {
        int runStart = -1;
        for (int i = 0; i < plain.Length; i += ContentLayout.PlainBlockSize)
        {
            var block = plain.Slice(i, Math.Min(ContentLayout.PlainBlockSize, plain.Length - i));
            bool data = block.ContainsAnyExcept((byte)0);
            if (data && runStart < 0)
            {
                runStart = i;
            }
            else if (!data && runStart >= 0)
            {
                var errno = Libc.PwriteFull(fd, plain[runStart..i], fileOffset + runStart);
                if (errno != Errno.OK)
                {
                    return errno;
                }
                runStart = -1;
            }
        }
        return runStart >= 0 ? Libc.PwriteFull(fd, plain[runStart..], fileOffset + runStart) : Errno.OK;
    }

    private void FinishFile(FileTask task)
    {
        var parentFd = task.Parent.Fd!;
        bool ok = task.Failure is null && !_cancellation.IsCancellationRequested;
        try
        {
            if (task.Failure is { } failure)
            {
                if (failure.Problem is { } problem)
                {
                    Damage(problem);
                }
                else
                {
                    Fail(failure.Kind, failure.PlainPath, failure.CipherPath, failure.Reason);
                }
            }
            if (ok && task.Write)
            {
                ok = task.GetTarget(CreateTarget) is not null && CompleteTarget(task, parentFd);
                if (!ok && task.Failure is { } late)
                {
                    Fail(late.Kind, late.PlainPath, late.CipherPath, late.Reason);
                }
            }
            if (!ok && task.Named && task.Target is not null)
            {
                Libc.UnlinkatName(parentFd, task.PlainName, 0); // never leave a partial file under its name
            }
            if (ok)
            {
                NoteSensitive(task.PlainPath, task.Stat);
                Interlocked.Increment(ref _counts.Files);
            }
            task.Link?.Finish(ok, this, parentFd, task.PlainName);
        }
        finally
        {
            task.Source.Dispose();
            task.Target?.Dispose();
            task.Parent.Release();
            ObjectDone();
        }
    }

    /// <summary>
    /// Creates the target file of a task (worker thread): an unnamed O_TMPFILE inode in the target directory, or,
    /// where the filesystem has no O_TMPFILE, the file under its final name (after removing what --overwrite replaces).
    /// </summary>
    private (SafeFd? Fd, bool Named, RestoreFailure? Failure) CreateTarget(FileTask task)
    {
        var parentFd = task.Parent.Fd!;
        var fd = Libc.OpenTmpfile(parentFd, 0x180, out var errno);
        if (fd is not null)
        {
            return (fd, false, null);
        }
        if (errno is Errno.EOPNOTSUPP or Errno.EISDIR or Errno.EINVAL)
        {
            if (task.Replace)
            {
                var removed = Libc.UnlinkatName(parentFd, task.PlainName, 0);
                if (removed is not (Errno.OK or Errno.ENOENT))
                {
                    return (null, true, new RestoreFailure(RestoreFailureKind.TargetError, task.PlainPath, task.CipherPath,
                        $"cannot remove the existing entry: {Libc.Describe(removed)}"));
                }
            }
            fd = Libc.OpenatCreate(parentFd, task.PlainName,
                Libc.OpenFlags.O_RDWR | Libc.OpenFlags.O_CREAT | Libc.OpenFlags.O_EXCL | Libc.OpenFlags.O_NOFOLLOW, 0x180, out errno);
            if (fd is not null)
            {
                return (fd, true, null);
            }
        }
        return (null, false, new RestoreFailure(RestoreFailureKind.TargetError, task.PlainPath, task.CipherPath,
            $"cannot create the file: {Libc.Describe(errno)}"));
    }

    /// <summary>Size, attributes, then the name: the file appears under its name only when it is complete.</summary>
    private bool CompleteTarget(FileTask task, SafeFd parentFd)
    {
        var fd = task.Target!;
        var errno = Libc.FtruncateFd(fd, task.Source.PlainSize);
        if (errno != Errno.OK)
        {
            Fail(RestoreFailureKind.TargetError, task.PlainPath, task.CipherPath, $"truncate failed: {Libc.Describe(errno)}");
            return false;
        }
        ApplyFdMetadata(fd, task.Stat, task.Xattrs, task.PlainPath, task.CipherPath);
        if (task.Named)
        {
            return true;
        }
        if (task.Replace && !RemoveForReplace(parentFd, task.PlainName, task.PlainPath, task.CipherPath))
        {
            return false;
        }
        errno = Libc.LinkFdAt(fd, parentFd, task.PlainName);
        if (errno != Errno.OK)
        {
            Fail(errno == Errno.EEXIST ? RestoreFailureKind.Conflict : RestoreFailureKind.TargetError, task.PlainPath, task.CipherPath,
                errno == Errno.EEXIST ? "appeared in the target while it was being restored" : $"link failed: {Libc.Describe(errno)}");
            return false;
        }
        return true;
    }
}
