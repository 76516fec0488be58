// The name IVs of one encrypted directory (docs/format.md 6 and 13 step 2): the stored gocryptfs.diriv and, as a
// fallback valid for trees produced by reverse mode, PathIV(cipherPathOfDirectory, "DIRIV").
using ReverseCrypt.Format;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>
/// The IVs to try, in order, for the names of one directory: the stored IV when it is valid, then the path-derived
/// IV when it differs. Without DirIV (deterministic names) a single all-zero IV. Immutable.
/// </summary>
public sealed class DirectoryIvs
{
    private readonly byte[][] _candidates;

    private DirectoryIvs(DirIvStatus status, Errno errno, byte[][] candidates)
    {
        Status = status;
        Errno = errno;
        _candidates = candidates;
    }

    /// <summary>State of the stored gocryptfs.diriv.</summary>
    public DirIvStatus Status { get; }

    /// <summary>The error when <see cref="Status"/> is <see cref="DirIvStatus.Unreadable"/> or Invalid (EINVAL, ELOOP...).</summary>
    public Errno Errno { get; }

    /// <summary>Number of candidate IVs (1 or 2).</summary>
    public int Count => _candidates.Length;

    /// <summary>True when candidate 0 is the stored IV (the path IV, if any, is candidate 1).</summary>
    public bool FirstIsStored => Status == DirIvStatus.Ok;

    /// <summary>Candidate IV number <paramref name="index"/> (16 bytes).</summary>
    public ReadOnlySpan<byte> this[int index] => _candidates[index];

    /// <summary>True when candidate <paramref name="index"/> is the path-derived fallback rather than the stored IV.</summary>
    public bool IsFallback(int index) => Status is not (DirIvStatus.NotUsed) && !(index == 0 && FirstIsStored);

    /// <summary>Reads gocryptfs.diriv of the directory <paramref name="dirFd"/> whose cipher path is
    /// <paramref name="cipherDirPath"/> (root = empty) and builds the candidate list.</summary>
    public static DirectoryIvs Read(SafeFd dirFd, ReadOnlySpan<byte> cipherDirPath, FormatOptions options) =>
        Read(new CipherDir(dirFd), cipherDirPath, options);

    /// <summary>Read for a local or store directory.</summary>
    public static DirectoryIvs Read(CipherDir dir, ReadOnlySpan<byte> cipherDirPath, FormatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.HasDirIvFiles)
        {
            return new DirectoryIvs(DirIvStatus.NotUsed, Errno.OK, [new byte[PathIv.Size]]);
        }
        var pathIv = new byte[PathIv.Size];
        PathIv.Compute(cipherDirPath, PathIvPurpose.DirIv, pathIv);

        Span<byte> buffer = stackalloc byte[PathIv.Size + 1];
        int length = dir.ReadSmallFile(NameTransform.DirIvFileName, buffer, out var errno);
        DirIvStatus status;
        if (length < 0)
        {
            status = errno switch
            {
                Errno.ENOENT => DirIvStatus.Missing,
                Errno.EINVAL or Errno.ELOOP or Errno.EISDIR => DirIvStatus.Invalid,
                _ => DirIvStatus.Unreadable,
            };
        }
        else if (length != PathIv.Size || !buffer[..PathIv.Size].ContainsAnyExcept((byte)0))
        {
            status = DirIvStatus.Invalid;
            errno = Errno.EINVAL;
        }
        else
        {
            var stored = buffer[..PathIv.Size].ToArray();
            return stored.AsSpan().SequenceEqual(pathIv)
                ? new DirectoryIvs(DirIvStatus.Ok, Errno.OK, [stored])
                : new DirectoryIvs(DirIvStatus.Ok, Errno.OK, [stored, pathIv]);
        }
        return new DirectoryIvs(status, errno, [pathIv]);
    }

    /// <summary>One line for reports: what is wrong with the stored IV.</summary>
    public string Describe() => Status switch
    {
        DirIvStatus.Ok => "ok",
        DirIvStatus.NotUsed => "not used",
        DirIvStatus.Missing => "gocryptfs.diriv is missing",
        DirIvStatus.Invalid => Errno == Errno.EINVAL
            ? "gocryptfs.diriv is not a regular file of 16 non-zero bytes"
            : $"gocryptfs.diriv is not a regular file ({Errno})",
        _ => $"gocryptfs.diriv cannot be read: {Libc.Describe(Errno)}",
    };
}
