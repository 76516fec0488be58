// The AES block cipher (FIPS 197) used by AES-SIV, EME and GCM in this assembly.
// Hardware path: AES-NI (System.Runtime.Intrinsics.X86.Aes) with our own key expansion (FIPS 197 section 5.2,
// SubWord through AESKEYGENASSIST, so no table lookups on key bytes) and the "equivalent inverse cipher"
// decryption keys (FIPS 197 section 5.3.5, InvMixColumns through AESIMC).
// Fallback path (no AES-NI, e.g. arm64 or tests): System.Security.Cryptography.Aes in ECB mode under a lock.
// Key sizes 16, 24, 32 bytes (10, 12, 14 rounds). Round keys live in pinned memory and are zeroed on Dispose.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace ReverseCrypt.Crypto;

/// <summary>One AES key, expanded once. Thread-safe after construction (until Dispose).</summary>
internal sealed unsafe class AesEngine : IDisposable
{
    public const int BlockSize = 16;
    private const int MaxRounds = 14;

    // (MaxRounds + 1) encryption round keys followed by (MaxRounds + 1) decryption round keys.
    private readonly byte[] _roundKeys;
    private readonly byte* _encryptionKeys;
    private readonly byte* _decryptionKeys;
    private readonly System.Security.Cryptography.Aes? _fallback;
    private readonly Lock _fallbackLock = new();
    private bool _disposed;

    /// <param name="key">16, 24 or 32 bytes.</param>
    /// <param name="allowHardware">False forces the BCL fallback (used by tests to check both paths).</param>
    public AesEngine(ReadOnlySpan<byte> key, bool allowHardware = true)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException("AES needs a 16-, 24- or 32-byte key.", nameof(key));
        }

        Rounds = key.Length / 4 + 6;
        IsHardware = allowHardware && X86Aes.IsSupported;
        _roundKeys = GC.AllocateArray<byte>(2 * (MaxRounds + 1) * BlockSize, pinned: true);
        _encryptionKeys = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_roundKeys));
        _decryptionKeys = _encryptionKeys + (MaxRounds + 1) * BlockSize;
        if (IsHardware)
        {
            ExpandKey(key);
        }
        else
        {
            _fallback = System.Security.Cryptography.Aes.Create();
            _fallback.SetKey(key);
        }
    }

    /// <summary>10, 12 or 14.</summary>
    public int Rounds { get; }

    /// <summary>True when AES-NI is used; then <see cref="EncryptionKeys"/> may be used by vectorised kernels.</summary>
    public bool IsHardware { get; }

    /// <summary>Rounds + 1 encryption round keys, 16 bytes each, in pinned memory (hardware path only).</summary>
    public byte* EncryptionKeys
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _encryptionKeys;
        }
    }

    /// <summary>Encrypts one block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<byte> Encrypt(Vector128<byte> block)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return IsHardware ? EncryptHardware(block, _encryptionKeys, Rounds) : FallbackBlock(block, encrypt: true);
    }

    /// <summary>Decrypts one block.</summary>
    public Vector128<byte> Decrypt(Vector128<byte> block)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return IsHardware ? DecryptHardware(block, _decryptionKeys, Rounds) : FallbackBlock(block, encrypt: false);
    }

    /// <summary>ECB encryption of whole blocks; input and output may be the same buffer.</summary>
    public void EncryptEcb(ReadOnlySpan<byte> input, Span<byte> output) => Ecb(input, output, encrypt: true);

    /// <summary>ECB decryption of whole blocks; input and output may be the same buffer.</summary>
    public void DecryptEcb(ReadOnlySpan<byte> input, Span<byte> output) => Ecb(input, output, encrypt: false);

    /// <summary>AES encryption with AES-NI using the round keys at <paramref name="keys"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> EncryptHardware(Vector128<byte> block, byte* keys, int rounds)
    {
        block ^= Vector128.Load(keys);
        for (int round = 1; round < rounds; round++)
        {
            block = X86Aes.Encrypt(block, Vector128.Load(keys + round * BlockSize));
        }

        return X86Aes.EncryptLast(block, Vector128.Load(keys + rounds * BlockSize));
    }

    private static Vector128<byte> DecryptHardware(Vector128<byte> block, byte* keys, int rounds)
    {
        block ^= Vector128.Load(keys);
        for (int round = 1; round < rounds; round++)
        {
            block = X86Aes.Decrypt(block, Vector128.Load(keys + round * BlockSize));
        }

        return X86Aes.DecryptLast(block, Vector128.Load(keys + rounds * BlockSize));
    }

    private void Ecb(ReadOnlySpan<byte> input, Span<byte> output, bool encrypt)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (input.Length % BlockSize != 0 || output.Length != input.Length)
        {
            throw new ArgumentException("ECB needs whole blocks and an output of the same length.");
        }

        if (!IsHardware)
        {
            lock (_fallbackLock)
            {
                if (encrypt)
                {
                    _fallback!.EncryptEcb(input, output, PaddingMode.None);
                }
                else
                {
                    _fallback!.DecryptEcb(input, output, PaddingMode.None);
                }
            }

            return;
        }

        for (int offset = 0; offset < input.Length; offset += BlockSize)
        {
            var block = Vector128.Create(input.Slice(offset, BlockSize));
            block = encrypt ? EncryptHardware(block, _encryptionKeys, Rounds) : DecryptHardware(block, _decryptionKeys, Rounds);
            block.CopyTo(output.Slice(offset, BlockSize));
        }
    }

    private Vector128<byte> FallbackBlock(Vector128<byte> block, bool encrypt)
    {
        Span<byte> buffer = stackalloc byte[BlockSize];
        block.CopyTo(buffer);
        Ecb(buffer, buffer, encrypt);
        var result = Vector128.Create((ReadOnlySpan<byte>)buffer);
        CryptographicOperations.ZeroMemory(buffer);
        return result;
    }

    private void ExpandKey(ReadOnlySpan<byte> key)
    {
        int keyWords = key.Length / 4;
        int totalWords = 4 * (Rounds + 1);
        var words = new Span<uint>(_encryptionKeys, totalWords);
        for (int i = 0; i < keyWords; i++)
        {
            words[i] = MemoryMarshal.Read<uint>(key.Slice(4 * i, 4)); // byte order kept: byte 0 is the low byte
        }

        uint roundConstant = 1;
        for (int i = keyWords; i < totalWords; i++)
        {
            uint temp = words[i - 1];
            if (i % keyWords == 0)
            {
                temp = SubWord(uint.RotateRight(temp, 8)) ^ roundConstant; // RotWord, SubWord, Rcon on byte 0
                roundConstant = XTime(roundConstant);
            }
            else if (keyWords > 6 && i % keyWords == 4)
            {
                temp = SubWord(temp);
            }

            words[i] = words[i - keyWords] ^ temp;
        }

        // Equivalent inverse cipher: reversed order, InvMixColumns on the inner round keys.
        Vector128.Load(_encryptionKeys + Rounds * BlockSize).Store(_decryptionKeys);
        for (int round = 1; round < Rounds; round++)
        {
            var inner = X86Aes.InverseMixColumns(Vector128.Load(_encryptionKeys + (Rounds - round) * BlockSize));
            inner.Store(_decryptionKeys + round * BlockSize);
        }

        Vector128.Load(_encryptionKeys).Store(_decryptionKeys + Rounds * BlockSize);
    }

    private static uint SubWord(uint word)
    {
        // AESKEYGENASSIST puts SubWord(dword 1) into dword 0.
        var assisted = X86Aes.KeygenAssist(Vector128.Create(0u, word, 0u, 0u).AsByte(), 0);
        return assisted.AsUInt32().ToScalar();
    }

    private static uint XTime(uint value) => ((value << 1) ^ ((value >> 7) * 0x1b)) & 0xff;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_roundKeys);
        _fallback?.Dispose();
    }
}
