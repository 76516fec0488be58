using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>
/// One directory of an encrypted tree as the readers see it: a local directory descriptor (the common case: every
/// operation is the same *at system call as before) or a directory of an <see cref="ICipherStore"/> named by its
/// cipher path. Objects inside are addressed by one name component.
/// </summary>
public readonly struct CipherDir
{
    private readonly SafeFd? _handle;
    private readonly int _fd;
    private readonly ICipherStore? _store;
    private readonly byte[]? _path;

    /// <summary>A local directory descriptor (O_PATH or O_RDONLY, O_DIRECTORY), passed as the handle to every call.</summary>
    public CipherDir(SafeFd handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        _handle = handle;
        _fd = -1;
    }

    /// <summary>A borrowed local directory descriptor: for a directory that a lease keeps open while the cache that
    /// owns its handle may dispose it (the forward view), where only the number stays usable.</summary>
    public CipherDir(int fd)
    {
        _fd = fd;
    }

    /// <summary>The directory <paramref name="cipherDirPath"/> (empty: the root) of <paramref name="store"/>.</summary>
    public CipherDir(ICipherStore store, byte[] cipherDirPath)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(cipherDirPath);
        _fd = -1;
        _store = store;
        _path = cipherDirPath;
    }

    /// <summary>The store behind a non-local directory; null for a local one.</summary>
    public ICipherStore? Store => _store;

    public bool IsLocal => _store is null;

    /// <summary>lstat of the entry <paramref name="name"/>.</summary>
    public Errno Stat(ReadOnlySpan<byte> name, out Libc.StatxBuffer stat)
    {
        if (_store is null)
        {
            return _handle is not null ? Libc.StatxName(_handle, name, out stat) : Libc.StatxName(_fd, name, out stat);
        }
        if (!Libc.IsValidName(name))
        {
            stat = default;
            return name.Length > Libc.NameMax ? Errno.ENAMETOOLONG : Errno.EINVAL;
        }
        return _store.Stat(BytePath.Join(_path!, name), out stat);
    }

    /// <summary>Stat of the directory itself.</summary>
    public Errno StatSelf(out Libc.StatxBuffer stat) =>
        _store is not null ? _store.Stat(_path, out stat)
        : _handle is not null ? Libc.StatxFd(_handle, out stat) : Libc.StatxFd(_fd, out stat);

    /// <summary><see cref="CipherIo.ReadSmallFile"/> for this directory.</summary>
    public int ReadSmallFile(ReadOnlySpan<byte> name, Span<byte> buffer, out Errno errno)
    {
        if (_store is null)
        {
            return _handle is not null
                ? CipherIo.ReadSmallFile(_handle, name, buffer, out errno)
                : CipherIo.ReadSmallFile(_fd, name, buffer, out errno);
        }
        using var content = OpenRegular(name, out _, out errno);
        return content is null ? -1 : content.ReadFull(buffer, 0, out errno);
    }

    /// <summary>Every entry, without "." and ".."; null with <paramref name="errno"/> on failure.</summary>
    public List<RawDirEntry>? ReadEntries(out Errno errno) =>
        _store is not null ? _store.ReadEntries(_path, out errno)
        : _handle is not null ? CipherIo.ReadEntries(_handle, out errno) : CipherIo.ReadEntries(_fd, out errno);

    /// <summary>readlink of the entry <paramref name="name"/>.</summary>
    public int Readlink(ReadOnlySpan<byte> name, Span<byte> target, out Errno errno)
    {
        if (_store is null)
        {
            return _handle is not null
                ? Libc.ReadlinkatName(_handle, name, target, out errno)
                : Libc.ReadlinkatName(_fd, name, target, out errno);
        }
        if (!Libc.IsValidName(name))
        {
            errno = Errno.EINVAL;
            return -1;
        }
        return _store.Readlink(BytePath.Join(_path!, name), target, out errno);
    }

    /// <summary>Opens the local entry <paramref name="name"/> if it is a regular file (local directories only).</summary>
    public SafeFd? OpenLocalRegular(ReadOnlySpan<byte> name, out Libc.StatxBuffer stat, out Errno errno)
    {
        if (_store is not null)
        {
            throw new InvalidOperationException("store directories open files with OpenRegular");
        }
        return _handle is not null
            ? CipherIo.OpenRegular(_handle, name, out stat, out errno)
            : CipherIo.OpenRegular(_fd, name, out stat, out errno);
    }

    /// <summary>Opens the store entry <paramref name="name"/> if it is a regular file (store directories only).</summary>
    public ICipherContent? OpenRegular(ReadOnlySpan<byte> name, out Libc.StatxBuffer stat, out Errno errno)
    {
        if (_store is null)
        {
            throw new InvalidOperationException("local directories open files with CipherIo.OpenRegular");
        }
        if (!Libc.IsValidName(name))
        {
            stat = default;
            errno = name.Length > Libc.NameMax ? Errno.ENAMETOOLONG : Errno.EINVAL;
            return null;
        }
        return _store.OpenRegular(BytePath.Join(_path!, name), out stat, out errno);
    }
}
