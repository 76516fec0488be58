using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Protocol;

/// <summary>
/// A validating cursor over the payload of one request (after <c>fuse_in_header</c>): typed structs and
/// NUL-terminated names are taken off the front; every accessor returns false instead of reading past the end.
/// </summary>
internal ref struct RequestReader
{
    private ReadOnlySpan<byte> _remaining;

    public RequestReader(ReadOnlySpan<byte> payload) => _remaining = payload;

    public readonly int Remaining => _remaining.Length;

    /// <summary>Takes a struct of type <typeparamref name="T"/> (the payload is not necessarily aligned).</summary>
    public bool TryRead<T>(out T value)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        if (_remaining.Length < size)
        {
            value = default;
            return false;
        }
        value = MemoryMarshal.Read<T>(_remaining);
        _remaining = _remaining[size..];
        return true;
    }

    /// <summary>Takes a struct that older kernels sent shorter: missing trailing bytes read as zero, but at least
    /// <paramref name="minimumSize"/> bytes must be there.</summary>
    public bool TryReadCompat<T>(int minimumSize, out T value)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        if (_remaining.Length >= size)
        {
            return TryRead(out value);
        }
        value = default;
        if (_remaining.Length < minimumSize)
        {
            return false;
        }
        _remaining.CopyTo(MemoryMarshal.AsBytes(new Span<T>(ref value)));
        _remaining = default;
        return true;
    }

    /// <summary>Takes a NUL-terminated name (the name excludes the NUL). False when no NUL is found or the name is
    /// empty.</summary>
    public bool TryReadName(out ReadOnlySpan<byte> name)
    {
        int end = _remaining.IndexOf((byte)0);
        if (end <= 0)
        {
            name = default;
            return false;
        }
        name = _remaining[..end];
        _remaining = _remaining[(end + 1)..];
        return true;
    }
}
