// The 32-byte gocryptfs master key (docs/format.md 3.4, 4), held in pinned memory that is zeroed on dispose.
// Never printed; the raw bytes leave only through ExportTo. Derive = HKDF-SHA256(masterKey, info) without salt.
using System.Security.Cryptography;

namespace ReverseCrypt.Crypto;

/// <summary>Owns the master key bytes. Never prints itself; export is explicit.</summary>
public sealed class MasterKey : IDisposable
{
    public const int Size = 32;

    private readonly byte[] _key;
    private bool _disposed;

    private MasterKey()
    {
        _key = GC.AllocateArray<byte>(Size, pinned: true);
    }

    /// <summary>Copies the key bytes into a new pinned buffer.</summary>
    public static MasterKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != Size)
        {
            throw new ArgumentException($"A master key is {Size} bytes, not {key.Length}.", nameof(key));
        }

        var masterKey = new MasterKey();
        key.CopyTo(masterKey._key);
        return masterKey;
    }

    /// <summary>A fresh random key (for init).</summary>
    public static MasterKey Generate()
    {
        var masterKey = new MasterKey();
        RandomNumberGenerator.Fill(masterKey._key);
        return masterKey;
    }

    /// <summary>HKDF-SHA256(masterKey, info) into output (docs/format.md section 4).</summary>
    public void Derive(ReadOnlySpan<byte> info, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Kdf.HkdfSha256(_key, info, output);
    }

    /// <summary>Explicit export of the raw key (config wrapping, paper backup, legacy SHA-512 derivation) into the
    /// first <see cref="Size"/> bytes of destination. The caller zeroes the copy.</summary>
    public void ExportTo(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The destination must hold {Size} bytes.", nameof(destination));
        }

        _key.CopyTo(destination);
    }

    public override string ToString() => "MasterKey(****)";

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
    }
}
