using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>An open file of the reverse view: the plaintext descriptor (opened once per FUSE open) and the
/// per-file values of the content encryption, or the fixed bytes of a virtual file.</summary>
internal sealed class ReverseFileHandle : IDisposable
{
    private ReverseFileHandle(ReverseNode node, ReverseFileKind kind, SafeFd? fd, byte[]? bytes, byte[]? header,
        byte[]? fileId, byte[]? block0Iv)
    {
        Node = node;
        Kind = kind;
        Fd = fd;
        Bytes = bytes;
        Header = header;
        FileId = fileId;
        Block0Iv = block0Iv;
    }

    public ReverseNode Node { get; }

    public ReverseFileKind Kind { get; }

    /// <summary>The plaintext file (Content, PassThrough).</summary>
    public SafeFd? Fd { get; }

    /// <summary>The content of a virtual file.</summary>
    public byte[]? Bytes { get; }

    /// <summary>The 18-byte file header (Content).</summary>
    public byte[]? Header { get; }

    /// <summary>PathIV(cipher path, FILEID) (Content).</summary>
    public byte[]? FileId { get; }

    /// <summary>PathIV(cipher path, BLOCK0IV) (Content).</summary>
    public byte[]? Block0Iv { get; }

    /// <summary>Content: the plaintext size this open serves, fixed at OPEN (the size the kernel was last told).</summary>
    public long PinnedSize { get; private init; }

    /// <summary>Content: the file's state as the kernel was last told it when this open began.</summary>
    public ReportedState PinnedState { get; private init; }

    /// <summary>Content: the whole blocks this open serves as all-zero cipher blocks (holes found at OPEN); null: none
    /// (no holes, or the view is not sparse).</summary>
    public HoleMap? Holes { get; private init; }

    private int _changeRecorded;
    private int _shrinkLogged;

    /// <summary>True the first time it is called: a change of this open's file is recorded once.</summary>
    public bool TakeChangeRecord() => Interlocked.Exchange(ref _changeRecorded, 1) == 0;

    /// <summary>True the first time it is called: a shrink under this open is logged once.</summary>
    public bool TakeShrinkLog() => Interlocked.Exchange(ref _shrinkLogged, 1) == 0;

    public static ReverseFileHandle ForContent(ReverseNode node, SafeFd fd, byte[] header, byte[] fileId, byte[] block0Iv,
        ReportedState pinned, HoleMap? holes) =>
        new(node, ReverseFileKind.Content, fd, null, header, fileId, block0Iv) { PinnedSize = pinned.Size, PinnedState = pinned, Holes = holes };

    public static ReverseFileHandle ForPassThrough(ReverseNode node, SafeFd fd) =>
        new(node, ReverseFileKind.PassThrough, fd, null, null, null, null);

    public static ReverseFileHandle ForBytes(ReverseNode node, byte[] bytes) =>
        new(node, ReverseFileKind.Bytes, null, bytes, null, null, null);

    public void Dispose() => Fd?.Dispose();
}
