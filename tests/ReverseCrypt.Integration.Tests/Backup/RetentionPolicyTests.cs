using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

public class RetentionPolicyTests
{
    private static string N(string utc) => SnapshotName.Format(DateTime.Parse(utc, null, System.Globalization.DateTimeStyles.AdjustToUniversal));

    [Test]
    public void Daily_KeepsNewestOfEachOfTheNNewestDays()
    {
        string[] all = [N("2025-03-01T01:00:00Z"), N("2025-03-01T23:00:00Z"), N("2025-03-02T05:00:00Z"), N("2025-03-04T05:00:00Z"), N("2025-03-04T06:00:00Z")];
        var plan = new RetentionPolicy(KeepDaily: 2).Apply(all, []);
        Assert.That(plan.Keep.Select(k => k.Name), Is.EqualTo(new[] { all[2], all[4] }));
        Assert.That(plan.Remove, Is.EqualTo(new[] { all[0], all[1], all[3] }));
    }

    [Test]
    public void Weekly_UsesIsoWeeks_AcrossTheYearBoundary()
    {
        // 2024-12-30 (Mon) and 2025-01-02 are both in ISO week 2025-W01; 2024-12-29 (Sun) is 2024-W52.
        string[] all = [N("2024-12-29T12:00:00Z"), N("2024-12-30T12:00:00Z"), N("2025-01-02T12:00:00Z")];
        var plan = new RetentionPolicy(KeepWeekly: 5).Apply(all, []);
        Assert.That(plan.Keep.Select(k => k.Name), Is.EqualTo(new[] { all[0], all[2] }));
        Assert.That(plan.Keep[1].Reasons, Is.EqualTo(new[] { "weekly 2025-W01" }));
    }

    [Test]
    public void Rules_Combine_AndProtectedAlwaysStays()
    {
        string[] all = [N("2025-01-15T00:00:00Z"), N("2025-02-15T00:00:00Z"), N("2025-03-15T00:00:00Z"), N("2025-03-16T00:00:00Z")];
        var plan = new RetentionPolicy(KeepDaily: 1, KeepMonthly: 2).Apply(all, [all[0]]);
        Assert.That(plan.Keep.Select(k => k.Name), Is.EqualTo(new[] { all[0], all[1], all[3] }));
        Assert.That(plan.Keep[0].Reasons, Is.EqualTo(new[] { "protected" }));
        Assert.That(plan.Keep[2].Reasons, Is.EqualTo(new[] { "daily 2025-03-16", "monthly 2025-03" }));
        Assert.That(plan.Remove, Is.EqualTo(new[] { all[2] }));
    }

    [Test]
    public void EmptyPolicy_KeepsEverything_AndForeignNamesAreIgnored()
    {
        string[] all = [N("2025-01-15T00:00:00Z"), "my-own-copy", N("2025-01-16T00:00:00Z")];
        var plan = new RetentionPolicy().Apply(all, []);
        Assert.That(plan.Keep.Select(k => k.Name), Is.EqualTo(new[] { all[0], all[2] }));
        Assert.That(plan.Remove, Is.Empty);
    }

    [Test]
    public void Series_PruningAfterEachRun_EqualsPruningOnceAtTheEnd()
    {
        var policy = new RetentionPolicy(3, 2, 2);
        var start = new DateTime(2025, 1, 1, 2, 0, 0, DateTimeKind.Utc);
        var existing = new List<string>();
        var all = new List<string>();
        for (var day = 0; day < 120; day += 1 + day % 3)
        {
            var name = SnapshotName.Format(start.AddDays(day).AddHours(day % 5));
            all.Add(name);
            existing.Add(name);
            var plan = policy.Apply(existing, [name]);
            existing.RemoveAll(plan.Remove.Contains);
        }
        var once = policy.Apply(all, [all[^1]]);
        Assert.That(existing, Is.EqualTo(once.Keep.Select(k => k.Name)));
        Assert.That(existing, Has.Count.InRange(3, 7));
    }
}
