using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Restore;

/// <summary>One regular file being restored: its open cipher file, the unnamed target file, and how many content
/// chunks are still to be written.</summary>
internal sealed class FileTask
{
    private RestoreFailure? _failure;

    private readonly Lock _targetLock = new();

    public FileTask(CipherFile source, TargetDir parent, byte[] plainName, byte[] plainPath, byte[] cipherPath,
        Libc.StatxBuffer stat, bool write, bool replace, List<(byte[] Name, byte[] Value)> xattrs, LinkRecord? link, int chunks)
    {
        Source = source;
        Parent = parent;
        PlainName = plainName;
        PlainPath = plainPath;
        CipherPath = cipherPath;
        Stat = stat;
        Write = write;
        Replace = replace;
        Xattrs = xattrs;
        Link = link;
        Remaining = chunks;
    }

    public CipherFile Source { get; }
    public TargetDir Parent { get; }
    public byte[] PlainName { get; }
    public byte[] PlainPath { get; }
    public byte[] CipherPath { get; }
    public Libc.StatxBuffer Stat { get; }

    /// <summary>False in a dry run: nothing is written.</summary>
    public bool Write { get; }

    /// <summary>The target file (O_TMPFILE, or created under its name when <see cref="Named"/>) once created by the
    /// first worker that needs it (so that several workers create files at the same time); null before and in a dry run.</summary>
    public SafeFd? Target { get; private set; }

    /// <summary>True when the target file already has its final name (no O_TMPFILE support).</summary>
    public bool Named { get; private set; }

    /// <summary>An existing entry is to be replaced when the file is complete (--overwrite).</summary>
    public bool Replace { get; }

    public List<(byte[] Name, byte[] Value)> Xattrs { get; }

    public LinkRecord? Link { get; }

    /// <summary>Chunks not yet handled; the worker that takes it to zero finishes the file.</summary>
    public int Remaining;

    public RestoreFailure? Failure => Volatile.Read(ref _failure);

    /// <summary>
    /// The target descriptor, created on first use with <paramref name="create"/> (which returns it, whether it has
    /// its final name, and the error). Null after a failure (recorded with <see cref="SetFailure"/>).
    /// </summary>
    public SafeFd? GetTarget(Func<FileTask, (SafeFd? Fd, bool Named, RestoreFailure? Failure)> create)
    {
        lock (_targetLock)
        {
            if (Target is null && Failure is null)
            {
                var (fd, named, failure) = create(this);
                if (fd is null)
                {
                    SetFailure(failure!);
                }
                Target = fd;
                Named = named;
            }
            return Target;
        }
    }

    /// <summary>Keeps the first failure; later chunks are skipped.</summary>
    public void SetFailure(RestoreFailure failure) => Interlocked.CompareExchange(ref _failure, failure, null);
}

/// <summary>A run of up to <see cref="Restorer.ChunkBlocks"/> blocks of one file.</summary>
internal readonly record struct FileChunk(FileTask Task, long FirstBlock, int Blocks);
