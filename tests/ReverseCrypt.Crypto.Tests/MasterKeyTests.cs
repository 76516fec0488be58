namespace ReverseCrypt.Crypto.Tests;

public class MasterKeyTests
{
    private static readonly byte[] KeyBytes = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Test]
    public void ExportTo_AfterFromBytes_ReturnsSameBytes()
    {
        using var key = MasterKey.FromBytes(KeyBytes);
        byte[] exported = new byte[32];
        key.ExportTo(exported);
        Assert.That(exported, Is.EqualTo(KeyBytes));
        Assert.That(() => key.ExportTo(new byte[31]), Throws.ArgumentException);
    }

    [Test]
    public void Derive_GocryptfsInfoStrings_MatchVectors()
    {
        using var key = MasterKey.FromBytes(KeyBytes);
        byte[] nameKey = new byte[32], contentKey = new byte[64];
        key.Derive("EME filename encryption"u8, nameKey);
        key.Derive("AES-SIV file content encryption"u8, contentKey);
        var derived = VectorFile.Load("primitives_vectors.json");
        var hkdf = derived.GetProperty("hkdf").EnumerateArray().ToArray();
        Assert.That(VectorFile.ToHex(nameKey), Is.EqualTo(hkdf[0].Str("okm")));
        Assert.That(VectorFile.ToHex(contentKey), Is.EqualTo(hkdf[1].Str("okm")));
    }

    [Test]
    public void ToString_NeverShowsKeyBytes()
    {
        using var key = MasterKey.FromBytes(KeyBytes);
        string text = key.ToString();
        Assert.That(text, Is.EqualTo("MasterKey(****)"));
        Assert.That(text, Does.Not.Contain("0001"));
        Assert.That($"{key}", Is.EqualTo("MasterKey(****)"));
    }

    [Test]
    public void Generate_GivesDistinctNonZeroKeys()
    {
        using var a = MasterKey.Generate();
        using var b = MasterKey.Generate();
        byte[] ea = new byte[32], eb = new byte[32];
        a.ExportTo(ea);
        b.ExportTo(eb);
        Assert.That(ea, Is.Not.EqualTo(eb));
        Assert.That(ea.Any(x => x != 0), Is.True);
    }

    [Test]
    public void Use_AfterDispose_ThrowsObjectDisposed()
    {
        var key = MasterKey.FromBytes(KeyBytes);
        key.Dispose();
        key.Dispose();
        Assert.That(() => key.ExportTo(new byte[32]), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => key.Derive("x"u8, new byte[32]), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void Dispose_ZeroesThePinnedBuffer()
    {
        var key = MasterKey.FromBytes(KeyBytes);
        var field = typeof(MasterKey).GetField("_key", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        byte[] buffer = (byte[])field.GetValue(key)!;
        Assert.That(buffer, Is.EqualTo(KeyBytes));
        key.Dispose();
        Assert.That(buffer.All(b => b == 0), Is.True);
    }

    [Test]
    public void FromBytes_WrongLength_Throws()
    {
        Assert.That(() => MasterKey.FromBytes(new byte[31]), Throws.ArgumentException);
        Assert.That(() => MasterKey.FromBytes(new byte[33]), Throws.ArgumentException);
    }
}
