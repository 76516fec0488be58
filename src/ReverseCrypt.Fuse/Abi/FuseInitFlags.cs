namespace ReverseCrypt.Fuse.Abi;

/// <summary>FUSE_INIT capability flags: <c>flags</c> in the low 32 bits, <c>flags2</c> (7.36, only with
/// <see cref="InitExt"/>) in the high 32 bits.</summary>
[Flags]
public enum FuseInitFlags : ulong
{
    None = 0,
    AsyncRead = 1UL << 0,
    PosixLocks = 1UL << 1,
    FileOps = 1UL << 2,
    AtomicOTrunc = 1UL << 3,
    ExportSupport = 1UL << 4,
    BigWrites = 1UL << 5,
    DontMask = 1UL << 6,
    SpliceWrite = 1UL << 7,
    SpliceMove = 1UL << 8,
    SpliceRead = 1UL << 9,
    FlockLocks = 1UL << 10,
    HasIoctlDir = 1UL << 11,
    AutoInvalData = 1UL << 12,
    DoReaddirplus = 1UL << 13,
    ReaddirplusAuto = 1UL << 14,
    AsyncDio = 1UL << 15,
    WritebackCache = 1UL << 16,
    NoOpenSupport = 1UL << 17,
    ParallelDirops = 1UL << 18,
    HandleKillpriv = 1UL << 19,
    PosixAcl = 1UL << 20,
    AbortError = 1UL << 21,
    /// <summary>7.28: max_pages in the INIT reply is honoured.</summary>
    MaxPages = 1UL << 22,
    CacheSymlinks = 1UL << 23,
    NoOpendirSupport = 1UL << 24,
    ExplicitInvalData = 1UL << 25,
    MapAlignment = 1UL << 26,
    Submounts = 1UL << 27,
    HandleKillprivV2 = 1UL << 28,
    SetxattrExt = 1UL << 29,
    /// <summary>7.36: flags2 is valid.</summary>
    InitExt = 1UL << 30,
    InitReserved = 1UL << 31,
    SecurityCtx = 1UL << 32,
    HasInodeDax = 1UL << 33,
    CreateSuppGroup = 1UL << 34,
    HasExpireOnly = 1UL << 35,
    /// <summary>7.42 (Linux 6.14+, when fuse.enable_uring is set): requests may be served through io_uring.</summary>
    OverIoUring = 1UL << 41,
}
