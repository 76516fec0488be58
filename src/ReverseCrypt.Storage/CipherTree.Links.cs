// Symlink targets in an encrypted tree (docs/format.md 9 and 13 step 7).
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

public sealed partial class CipherTree
{
    /// <summary>Buffer size for <see cref="ReadSymlink"/>'s plaintext target (PATH_MAX).</summary>
    public const int MaxTargetLength = Libc.PathMax;

    /// <summary>
    /// Reads the symlink <paramref name="cipherName"/> in <paramref name="dirFd"/> and decrypts its target into
    /// <paramref name="plainTarget"/> (at least <see cref="MaxTargetLength"/> bytes). Returns OK; EINVAL when the
    /// target does not decode or authenticate (reported as <see cref="CipherProblemKind.SymlinkInvalid"/>); or the
    /// errno of readlinkat.
    /// </summary>
    public Errno ReadSymlink(SafeFd dirFd, ReadOnlySpan<byte> cipherName, Span<byte> plainTarget, out int plainLength) =>
        ReadSymlink(new CipherDir(dirFd), cipherName, plainTarget, out plainLength);

    /// <summary>ReadSymlink for a local or store directory.</summary>
    public Errno ReadSymlink(CipherDir dir, ReadOnlySpan<byte> cipherName, Span<byte> plainTarget, out int plainLength)
    {
        plainLength = 0;
        if (plainTarget.Length < MaxTargetLength)
        {
            throw new ArgumentException("The target buffer must hold PATH_MAX bytes.", nameof(plainTarget));
        }
        Span<byte> cipherTarget = stackalloc byte[Libc.PathMax];
        int length = dir.Readlink(cipherName, cipherTarget, out var errno);
        if (length < 0)
        {
            return errno == Errno.ENAMETOOLONG ? Errno.EINVAL : errno;
        }
        if (length == 0 || !Symlinks.TryDecryptTarget(cipherTarget[..length], plainTarget, out plainLength))
        {
            plainLength = 0;
            return Errno.EINVAL;
        }
        if (plainLength == 0 || plainTarget[..plainLength].Contains((byte)0))
        {
            plainLength = 0;
            return Errno.EINVAL; // a target Linux cannot hold
        }
        return Errno.OK;
    }
}
