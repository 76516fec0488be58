using ReverseCrypt.Crypto;
using ReverseCrypt.Format.Config;

namespace ReverseCrypt.Format.Tests;

public class MasterKeyTextTests
{
    private const string Grouped = "00010203-04050607-08090a0b-0c0d0e0f-10111213-14151617-18191a1b-1c1d1e1f";

    [Test]
    public void Formats_eight_groups_of_eight_lowercase_hex_digits()
    {
        using var key = MasterKey.FromBytes(VectorData.MasterKeyBytes);
        Assert.That(MasterKeyText.Format(key), Is.EqualTo(Grouped));
    }

    [TestCase(Grouped)]
    [TestCase("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")] // gocryptfs-xray -dumpmasterkey
    [TestCase("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")]
    [TestCase("    00010203-04050607-08090a0b-0c0d0e0f-\n    10111213-14151617-18191a1b-1c1d1e1f\n")] // gocryptfs -init, two lines
    [TestCase("0-0010203-04050607-08090a0b-0c0d0e0f--10111213-14151617-18191a1b-1c1d1e1f")] // dashes anywhere
    public void Parses_every_form_gocryptfs_prints_or_accepts(string text)
    {
        using var key = MasterKeyText.Parse(text);
        var bytes = new byte[32];
        key.ExportTo(bytes);
        Assert.That(bytes, Is.EqualTo(VectorData.MasterKeyBytes));
    }

    [TestCase("", "0 hex digits")]
    [TestCase("00010203-04050607-08090a0b-0c0d0e0f-10111213-14151617-18191a1b-1c1d1e", "62 hex digits")]
    [TestCase("00010203-04050607-08090a0b-0c0d0e0f-10111213-14151617-18191a1b-1c1d1e1f00", "too many")]
    [TestCase("00010203-04050607-08090a0b-0c0d0e0f-10111213-14151617-18191a1b-1c1d1e1g", "position 71")]
    [TestCase("0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "position 2")]
    public void Rejects_anything_else_with_a_clear_message(string text, string messagePart)
        => Assert.That(() => MasterKeyText.Parse(text), Throws.InstanceOf<FormatException>().With.Message.Contains(messagePart));

    [Test]
    public void Round_trips_random_keys()
    {
        for (var i = 0; i < 20; i++)
        {
            using var key = MasterKey.Generate();
            using var back = MasterKeyText.Parse(MasterKeyText.Format(key));
            Assert.That(MasterKeyText.Format(back), Is.EqualTo(MasterKeyText.Format(key)));
        }
    }
}
