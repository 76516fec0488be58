namespace ReverseCrypt.FileSystems;

/// <summary>
/// Compares byte strings (file names are bytes) by content, and lets dictionaries keyed by <c>byte[]</c> be searched
/// with a <see cref="ReadOnlySpan{T}"/> without allocating (<c>GetAlternateLookup</c>).
/// </summary>
public sealed class ByteStringComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static ByteStringComparer Instance { get; } = new();

    private ByteStringComparer()
    {
    }

    public bool Equals(byte[]? x, byte[]? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        var hash = new HashCode();
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
