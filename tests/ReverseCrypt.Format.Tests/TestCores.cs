using ReverseCrypt.Crypto;

namespace ReverseCrypt.Format.Tests;

/// <summary>CryptoCore instances over the vector master key 00..1f.</summary>
internal static class TestCores
{
    public static CryptoCore Create(FormatOptions options)
    {
        using var key = MasterKey.FromBytes(VectorData.MasterKeyBytes);
        return CryptoCore.Create(key, options);
    }

    public static CryptoCore Default() => Create(FormatOptions.ReverseDefaults);
}
