using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// An open file of the reverse view (what OPEN hands the kernel a number for; the forward view's counterpart is
/// <c>Forward/OpenFile</c>). Three kinds, one type each: <see cref="ContentFile"/> (a plaintext regular file, encrypted
/// on the fly), <see cref="PassThroughFile"/> (the config file, bytes as they are) and <see cref="MemoryFile"/>
/// (gocryptfs.diriv and .name files: fixed bytes). Each serves READ itself; the file system only finds the handle.
/// </summary>
internal abstract class OpenFile : IDisposable
{
    protected OpenFile(ReverseNode node) => Node = node;

    /// <summary>The node this file was opened through.</summary>
    public ReverseNode Node { get; }

    /// <summary>READ: bytes of the file from <paramref name="offset"/> (not negative) into <paramref name="buffer"/>;
    /// fewer than asked only at the end of the file. Hot path: allocates nothing.</summary>
    public abstract Errno Read(long offset, Span<byte> buffer, out int bytesRead);

    /// <summary>GETATTR with this file's handle: the attributes of the open file itself (fstat, right even when its
    /// name changed meanwhile). False when the node's attributes are the answer (nothing behind the file to fstat).</summary>
    public abstract bool TryGetAttr(out FuseAttr attr, out Errno errno);

    /// <summary>RELEASE: what the file's kind does when the kernel closes it, before <see cref="Dispose"/>.</summary>
    public virtual void Release()
    {
    }

    /// <summary>Closes what the file holds (its plaintext descriptor, if any).</summary>
    public abstract void Dispose();
}
