namespace ReverseCrypt.Fuse;

/// <summary>FOPEN_* reply flags of OPEN and OPENDIR (<c>fuse_open_out.open_flags</c>).</summary>
[Flags]
public enum FuseOpenFlags : uint
{
    None = 0,
    /// <summary>FOPEN_DIRECT_IO: bypass the page cache; reads go to the filesystem with the caller's size.</summary>
    DirectIo = 1 << 0,
    /// <summary>FOPEN_KEEP_CACHE: keep cached data from earlier opens (only when the content did not change).</summary>
    KeepCache = 1 << 1,
    /// <summary>FOPEN_NONSEEKABLE.</summary>
    NonSeekable = 1 << 2,
    /// <summary>FOPEN_CACHE_DIR: let the kernel cache this directory's listing (OPENDIR only).</summary>
    CacheDir = 1 << 3,
    /// <summary>FOPEN_STREAM.</summary>
    Stream = 1 << 4,
    /// <summary>FOPEN_NOFLUSH: no FLUSH on close.</summary>
    NoFlush = 1 << 5,
}
