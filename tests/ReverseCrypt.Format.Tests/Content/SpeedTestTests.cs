using ReverseCrypt.Format.Content;

namespace ReverseCrypt.Format.Tests.Content;

public class SpeedTestTests
{
    [Test]
    public void Run_ShortDuration_ReportsAllPrimitives()
    {
        var results = SpeedTest.Run(TimeSpan.FromMilliseconds(20));
        Assert.That(results.Select(r => r.Name), Is.EqualTo(new[] { "AES-SIV-512 encrypt", "AES-SIV-512 decrypt", "EME names", "AES-GCM-256 (config)" }));
        Assert.That(results.All(r => r.Value > 0 && double.IsFinite(r.Value)), Is.True);
        Assert.That(results[2].Unit, Is.EqualTo("names/s"));
    }
}
