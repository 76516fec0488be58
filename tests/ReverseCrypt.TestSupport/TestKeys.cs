using ReverseCrypt.Crypto;
using ReverseCrypt.Format;

namespace ReverseCrypt.TestSupport;

/// <summary>The master key of the shared vectors (000102…1f) and cores derived from it.</summary>
public static class TestKeys
{
    public const string MasterKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    public const string VectorPassword = "correct horse battery staple";

    /// <summary>A core over the vector key (reverse-mode defaults unless <paramref name="options"/> are given).</summary>
    public static CryptoCore CreateCore(FormatOptions? options = null)
    {
        using var key = MasterKey.FromBytes(Convert.FromHexString(MasterKeyHex));
        return CryptoCore.Create(key, options ?? FormatOptions.ReverseDefaults);
    }

    /// <summary>The key in gocryptfs's -masterkey form.</summary>
    public static string GocryptfsMasterKeyArgument => "-masterkey=" + MasterKeyHex;
}
