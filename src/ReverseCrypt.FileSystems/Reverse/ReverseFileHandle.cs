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

    public static ReverseFileHandle ForContent(ReverseNode node, SafeFd fd, byte[] header, byte[] fileId, byte[] block0Iv) =>
        new(node, ReverseFileKind.Content, fd, null, header, fileId, block0Iv);

    public static ReverseFileHandle ForPassThrough(ReverseNode node, SafeFd fd) =>
        new(node, ReverseFileKind.PassThrough, fd, null, null, null, null);

    public static ReverseFileHandle ForBytes(ReverseNode node, byte[] bytes) =>
        new(node, ReverseFileKind.Bytes, null, bytes, null, null, null);

    public void Dispose() => Fd?.Dispose();
}
