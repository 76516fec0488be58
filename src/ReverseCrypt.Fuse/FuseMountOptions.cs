namespace ReverseCrypt.Fuse;

/// <summary>How a filesystem is mounted and served. Entry/attribute timeouts and keep-cache/direct-io are chosen by
/// the filesystem per reply (<see cref="FuseEntry"/>, <see cref="FuseOpenFlags"/>).</summary>
public sealed class FuseMountOptions
{
    private static readonly System.Buffers.SearchValues<char> s_forbiddenInSubtype =
        System.Buffers.SearchValues.Create(",/ \t\n\\");

    /// <summary>Mount read-only (MS_RDONLY); every mutating request is answered EROFS. Default true.</summary>
    public bool ReadOnly { get; init; } = true;

    /// <summary>Let other users access the mount (allow_other; without root it needs user_allow_other in
    /// /etc/fuse.conf).</summary>
    public bool AllowOther { get; init; }

    /// <summary>Let the kernel check permissions from the mode bits (default_permissions); ACCESS is then not sent.</summary>
    public bool DefaultPermissions { get; init; }

    /// <summary>The "source" shown in /proc/mounts and df (fsname). Default: <see cref="Subtype"/> or "fuse".</summary>
    public string? FsName { get; init; }

    /// <summary>The type shown as <c>fuse.&lt;subtype&gt;</c> in /proc/mounts; null for plain "fuse".</summary>
    public string? Subtype { get; init; }

    /// <summary>Threads blocking in read() on the device; filesystem methods run this many at a time. Default 2.</summary>
    public int ReaderThreads { get; init; } = 2;

    /// <summary>Largest READ/READDIR request in 4 KiB pages (FUSE_MAX_PAGES), 1..256. Default 256 (1 MiB).</summary>
    public int MaxPages { get; init; } = 256;

    /// <summary>Readahead limit in bytes; null keeps what the kernel offers.</summary>
    public int? MaxReadahead { get; init; }

    /// <summary>
    /// Readahead window of the mount in KiB (the mount's <c>/sys/class/bdi/MAJ:MIN/read_ahead_kb</c>, set after INIT;
    /// needs root, ignored otherwise); null keeps the kernel's 128 KiB. A window of several times max_pages lets the
    /// kernel send several 1 MiB READs at once (ASYNC_READ), so that all reader threads work on one sequential read.
    /// </summary>
    public int? ReadaheadKb { get; init; }

    /// <summary>Largest WRITE the kernel may send (sizes the request buffers). Default 128 KiB.</summary>
    public int MaxWrite { get; init; } = 128 * 1024;

    /// <summary>Background requests (readahead with FUSE_ASYNC_READ) in flight. Default 64; the kernel caps it for
    /// mounts made without CAP_SYS_ADMIN.</summary>
    public int MaxBackground { get; init; } = 64;

    /// <summary>When the kernel sends READDIRPLUS instead of READDIR. Default <see cref="FuseReaddirplusMode.Auto"/>.</summary>
    public FuseReaddirplusMode Readdirplus { get; init; } = FuseReaddirplusMode.Auto;

    /// <summary>The FUSE device. Default /dev/fuse.</summary>
    public string DevicePath { get; init; } = "/dev/fuse";

    /// <summary>Mount through fusermount3: null = only when not root (or when mount(2) is refused), true = always,
    /// false = never.</summary>
    public bool? UseFusermount { get; init; }

    /// <summary>The fusermount3 program (looked up in PATH when not absolute).</summary>
    public string FusermountPath { get; init; } = "fusermount3";

    /// <summary>How long to wait for the kernel's INIT after mounting. Default 10 s.</summary>
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Detach a mount left by a dead server (ENOTCONN) at the mountpoint and mount again. Default true.</summary>
    public bool RecoverStaleMount { get; init; } = true;

    /// <summary>
    /// Serve requests through io_uring (FUSE over io_uring, one kernel queue per CPU, each served by a worker pinned to
    /// that CPU) when the kernel allows it (Linux 6.14+ with the module parameter fuse.enable_uring = Y); otherwise, or
    /// when false, reader threads on /dev/fuse serve everything. Default true. Needs a real FUSE device (mounts).
    /// </summary>
    public bool IoUring { get; init; } = true;

    /// <summary>Log every request and reply at Debug level.</summary>
    public bool Debug { get; init; }

    internal string EffectiveFsName => FsName ?? Subtype ?? "fuse";

    internal string FilesystemType => Subtype is null ? "fuse" : "fuse." + Subtype;

    internal void Validate()
    {
        if (ReaderThreads is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(ReaderThreads), ReaderThreads, "1..64 reader threads");
        }
        if (MaxPages is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPages), MaxPages, "1..256 pages");
        }
        if (MaxWrite is < 4096 or > 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWrite), MaxWrite, "4 KiB..1 MiB");
        }
        if (ReadaheadKb is < 0 or > 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadaheadKb), ReadaheadKb, "0..1048576 KiB");
        }
        if (MaxBackground is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBackground), MaxBackground, "1..65535");
        }
        if (Subtype is not null && (Subtype.Length == 0 || Subtype.AsSpan().ContainsAny(s_forbiddenInSubtype)))
        {
            throw new ArgumentException("The subtype must be a plain word.", nameof(Subtype));
        }
    }
}
