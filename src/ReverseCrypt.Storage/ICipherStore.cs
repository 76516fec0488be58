using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>
/// An encrypted tree reached by path rather than through local directory descriptors: the snapshot of a remote
/// backup read over SFTP. Paths are cipher paths relative to the tree's root ('/'-separated bytes; empty for the root
/// itself), never followed through a symlink at their last component. Implementations are thread-safe and bound
/// every call in time (a failed or timed-out call answers an errno such as EIO, never hangs).
/// </summary>
public interface ICipherStore
{
    /// <summary>lstat of <paramref name="path"/>. Fields the store cannot know are zero (see its documentation).</summary>
    Errno Stat(ReadOnlySpan<byte> path, out Libc.StatxBuffer stat);

    /// <summary>Every entry of the directory <paramref name="dirPath"/> ("." and ".." left out); d_type from the
    /// entry's mode. Null with <paramref name="errno"/> when it cannot be listed.</summary>
    List<RawDirEntry>? ReadEntries(ReadOnlySpan<byte> dirPath, out Errno errno);

    /// <summary>readlink of <paramref name="path"/>: the target length, or -1 with <paramref name="errno"/>
    /// (EINVAL for a non-symlink, ENAMETOOLONG when it does not fit).</summary>
    int Readlink(ReadOnlySpan<byte> path, Span<byte> target, out Errno errno);

    /// <summary>Opens <paramref name="path"/> for reading only if it is a regular file (EINVAL otherwise, ELOOP for a
    /// symlink); <paramref name="stat"/> is its lstat.</summary>
    ICipherContent? OpenRegular(ReadOnlySpan<byte> path, out Libc.StatxBuffer stat, out Errno errno);
}

/// <summary>The bytes of one open regular file of an <see cref="ICipherStore"/>.</summary>
public interface ICipherContent : IDisposable
{
    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>; fewer only at the end
    /// of the file. -1 with <paramref name="errno"/> on failure.</summary>
    int ReadFull(Span<byte> buffer, long offset, out Errno errno);
}
