namespace ReverseCrypt.Fuse;

/// <summary>Whether directory listings carry attributes (READDIRPLUS).</summary>
public enum FuseReaddirplusMode
{
    /// <summary>FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO: the kernel uses READDIRPLUS when it expects lookups
    /// (e.g. <c>ls -l</c>) and READDIR otherwise.</summary>
    Auto,
    /// <summary>FUSE_DO_READDIRPLUS only: every listing is READDIRPLUS.</summary>
    Always,
    /// <summary>Plain READDIR only.</summary>
    Off,
}
