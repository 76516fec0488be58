using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

public class SnapshotNameTests
{
    [Test]
    public void Format_IsUtcSortableWithoutColons()
    {
        var local = new DateTimeOffset(2025, 6, 1, 4, 15, 30, TimeSpan.FromHours(2)).UtcDateTime;
        Assert.That(SnapshotName.Format(local), Is.EqualTo("2025-06-01T021530Z"));
        Assert.That(SnapshotName.TryParse("2025-06-01T021530Z", out var back), Is.True);
        Assert.That(back, Is.EqualTo(local));
        Assert.That(back.Kind, Is.EqualTo(DateTimeKind.Utc));
    }

    [TestCase("2025-06-01T02:15:30Z")]
    [TestCase("2025-06-01T021530")]
    [TestCase("latest")]
    [TestCase("2025-06-01T021530Z.incomplete")]
    public void TryParse_RejectsOtherNames(string name) => Assert.That(SnapshotName.TryParse(name, out _), Is.False);

    [Test]
    public void TryParseIncomplete_StripsTheSuffix()
    {
        Assert.That(SnapshotName.TryParseIncomplete("2025-06-01T021530Z.incomplete", out var name), Is.True);
        Assert.That(name, Is.EqualTo("2025-06-01T021530Z"));
        Assert.That(SnapshotName.TryParseIncomplete("x.incomplete", out _), Is.False);
    }

    [Test]
    public void Next_SortsAfterEveryExistingSnapshot()
    {
        var now = new DateTime(2025, 6, 1, 2, 15, 30, 700, DateTimeKind.Utc);
        Assert.That(SnapshotName.Next(now, []), Is.EqualTo("2025-06-01T021530Z"));
        Assert.That(SnapshotName.Next(now, ["2025-06-01T021530Z"]), Is.EqualTo("2025-06-01T021531Z"));
        Assert.That(SnapshotName.Next(now, ["2025-07-01T000000Z", "junk"]), Is.EqualTo("2025-07-01T000001Z"), "a clock that went back");
    }
}
