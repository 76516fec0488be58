namespace ReverseCrypt.Fuse;

/// <summary>The parameters negotiated with the kernel in FUSE_INIT, given to <see cref="IFuseFileSystem.Init"/>.</summary>
public sealed class FuseConnectionInfo
{
    /// <summary>The kernel's protocol version (e.g. 7.45).</summary>
    public required uint KernelMajor { get; init; }
    public required uint KernelMinor { get; init; }

    /// <summary>The protocol minor used on this connection (min of the kernel's and ours).</summary>
    public required uint ProtocolMinor { get; init; }

    /// <summary>FUSE_* capability flags the kernel offered (flags | flags2 &lt;&lt; 32).</summary>
    public required ulong KernelFlags { get; init; }

    /// <summary>Flags in effect: the intersection of the kernel's and the library's.</summary>
    public required ulong Flags { get; init; }

    public required uint MaxReadahead { get; init; }
    public required uint MaxWrite { get; init; }

    /// <summary>Largest READ/READDIR size in pages (4096 bytes) the kernel may send.</summary>
    public required ushort MaxPages { get; init; }

    /// <summary>Reader threads serving the session (methods may run this many at a time).</summary>
    public required int ReaderThreads { get; init; }

    public required bool ReadOnly { get; init; }

    /// <summary>True when the kernel sends READDIRPLUS (FUSE_DO_READDIRPLUS negotiated).</summary>
    public bool ReaddirplusEnabled => (Flags & (1UL << 13)) != 0;

    /// <summary>INIT negotiated FUSE over io_uring (requests then go through the per-CPU rings once registered).</summary>
    public bool IoUringEnabled => (Flags & (1UL << 41)) != 0;
}
