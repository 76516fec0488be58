// The 32-byte gocryptfs master key, held in pinned memory that is zeroed on dispose.
// STUB: API fixed by the integrator; the implementation is being written.
namespace ReverseCrypt.Crypto;

/// <summary>Owns the master key bytes. Never prints itself; export is explicit.</summary>
public sealed class MasterKey : IDisposable
{
    public const int Size = 32;

    private MasterKey() => throw new NotImplementedException();

    /// <summary>Copies the key bytes into a new pinned buffer.</summary>
    public static MasterKey FromBytes(ReadOnlySpan<byte> key) => throw new NotImplementedException();

    /// <summary>A fresh random key (for init).</summary>
    public static MasterKey Generate() => throw new NotImplementedException();

    /// <summary>HKDF-SHA256(masterKey, info) into output (FORMAT.md section 4).</summary>
    public void Derive(ReadOnlySpan<byte> info, Span<byte> output) => throw new NotImplementedException();

    /// <summary>Explicit export of the raw key (config wrapping, paper backup). The caller zeroes the copy.</summary>
    public void ExportTo(Span<byte> destination) => throw new NotImplementedException();

    public override string ToString() => "MasterKey(****)";

    public void Dispose() { }
}
