// EME (ECB-Mix-ECB) wide-block encryption, Halevi & Rogaway, with the EME-32 draft's doubling,
// as implemented by github.com/rfjakob/eme (docs/format.md 2.2). AES-256, 16-byte tweak, 16..2048 bytes.
// mul2 is little-endian (byte 0 least significant), unlike SIV's dbl. L = mul2(E(0)) always uses AES
// encryption, also when deciphering; only the block function F changes direction.
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace ReverseCrypt.Crypto;

/// <summary>EME wide-block cipher over AES-256 (no authentication). Thread-safe.</summary>
public sealed class Eme : IDisposable
{
    public const int KeySize = 32;
    public const int TweakSize = 16;
    public const int MinLength = 16;
    public const int MaxLength = 2048;

    private const int BlockSize = 16;

    private readonly AesEngine _cipher;
    private readonly byte[] _l; // pinned: L = mul2(E(0))
    private bool _disposed;

    public Eme(ReadOnlySpan<byte> key)
        : this(key, allowHardware: true)
    {
    }

    internal Eme(ReadOnlySpan<byte> key, bool allowHardware)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"EME needs a {KeySize}-byte key.", nameof(key));
        }

        _cipher = new AesEngine(key, allowHardware);
        _l = GC.AllocateArray<byte>(BlockSize, pinned: true);
        Gf128.DoubleLittleEndian(_cipher.Encrypt(Vector128<byte>.Zero)).CopyTo(_l);
    }

    /// <summary>Encrypts input (a multiple of 16 bytes, 16..2048) into output of the same length.
    /// input and output may be the same buffer.</summary>
    public void Encrypt(ReadOnlySpan<byte> tweak, ReadOnlySpan<byte> input, Span<byte> output) => Transform(tweak, input, output, encrypt: true);

    /// <summary>Decrypts input (a multiple of 16 bytes, 16..2048) into output of the same length.
    /// input and output may be the same buffer.</summary>
    public void Decrypt(ReadOnlySpan<byte> tweak, ReadOnlySpan<byte> input, Span<byte> output) => Transform(tweak, input, output, encrypt: false);

    private void Transform(ReadOnlySpan<byte> tweak, ReadOnlySpan<byte> input, Span<byte> output, bool encrypt)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tweak.Length != TweakSize)
        {
            throw new ArgumentException($"EME needs a {TweakSize}-byte tweak.", nameof(tweak));
        }

        if (input.Length is < MinLength or > MaxLength || input.Length % BlockSize != 0)
        {
            throw new ArgumentException($"EME input must be a multiple of {BlockSize} bytes between {MinLength} and {MaxLength}.", nameof(input));
        }

        if (output.Length != input.Length)
        {
            throw new ArgumentException("EME output must have the input's length.", nameof(output));
        }

        int blocks = input.Length / BlockSize;
        var t = Vector128.Create(tweak);
        var l = Vector128.Create((ReadOnlySpan<byte>)_l);
        Span<byte> work = stackalloc byte[input.Length];

        // PPP[j] = F(P[j] xor LT[j])
        var lt = l;
        for (int j = 0; j < blocks; j++)
        {
            (Vector128.Create(input.Slice(j * BlockSize, BlockSize)) ^ lt).CopyTo(work.Slice(j * BlockSize, BlockSize));
            lt = Gf128.DoubleLittleEndian(lt);
        }

        Ecb(work, encrypt);

        // MP = T xor PPP[0..m-1]; MC = F(MP); M = MP xor MC
        var mp = t;
        for (int j = 0; j < blocks; j++)
        {
            mp ^= Vector128.Create((ReadOnlySpan<byte>)work.Slice(j * BlockSize, BlockSize));
        }

        var mc = encrypt ? _cipher.Encrypt(mp) : _cipher.Decrypt(mp);
        var m = mp ^ mc;

        // CCC[j] = PPP[j] xor mul2^j(M) for j >= 1; CCC[0] = MC xor T xor CCC[1..m-1]
        var ccc0 = mc ^ t;
        for (int j = 1; j < blocks; j++)
        {
            m = Gf128.DoubleLittleEndian(m);
            var slot = work.Slice(j * BlockSize, BlockSize);
            var ccc = Vector128.Create((ReadOnlySpan<byte>)slot) ^ m;
            ccc.CopyTo(slot);
            ccc0 ^= ccc;
        }

        ccc0.CopyTo(work[..BlockSize]);
        Ecb(work, encrypt);

        // C[j] = F(CCC[j]) xor LT[j]
        lt = l;
        for (int j = 0; j < blocks; j++)
        {
            (Vector128.Create((ReadOnlySpan<byte>)work.Slice(j * BlockSize, BlockSize)) ^ lt).CopyTo(output.Slice(j * BlockSize, BlockSize));
            lt = Gf128.DoubleLittleEndian(lt);
        }

        CryptographicOperations.ZeroMemory(work);
    }

    private void Ecb(Span<byte> blocks, bool encrypt)
    {
        if (encrypt)
        {
            _cipher.EncryptEcb(blocks, blocks);
        }
        else
        {
            _cipher.DecryptEcb(blocks, blocks);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cipher.Dispose();
        CryptographicOperations.ZeroMemory(_l);
    }
}
