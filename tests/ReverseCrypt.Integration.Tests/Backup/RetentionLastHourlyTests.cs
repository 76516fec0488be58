using ReverseCrypt.Operations.Backup;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>--keep-last and --keep-hourly: the policy, and real runs to a local destination with faked times.</summary>
public class RetentionLastHourlyPolicyTests
{
    private static string N(string utc) => SnapshotName.Format(DateTime.Parse(utc, null, System.Globalization.DateTimeStyles.AdjustToUniversal));

    [Test]
    public void Last_KeepsTheNNewest_WhateverTheirDates()
    {
        string[] all = [N("2025-03-01T01:00:00Z"), N("2025-03-01T01:00:01Z"), N("2025-03-01T01:00:02Z"), N("2025-05-01T00:00:00Z")];
        var plan = new RetentionPolicy(KeepLast: 3).Apply(all, []);
        Assert.That(plan.Keep.Select(k => k.Name), Is.EqualTo(new[] { all[1], all[2], all[3] }));
        Assert.That(plan.Keep[0].Reasons, Has.Count.EqualTo(1).And.All.StartsWith("last "));
        Assert.That(plan.Remove, Is.EqualTo(new[] { all[0] }));
    }

    [Test]
    public void Hourly_KeepsTheNewestOfEachOfTheNNewestHours()
    {
        string[] all = [N("2025-03-01T01:10:00Z"), N("2025-03-01T01:50:00Z"), N("2025-03-01T03:00:00Z"), N("2025-03-01T04:05:00Z"), N("2025-03-01T04:06:00Z")];
        var plan = new RetentionPolicy(KeepHourly: 3).Apply(all, []);
        Assert.That(plan.Keep.Select(k => k.Name), Is.EqualTo(new[] { all[1], all[2], all[4] }));
        Assert.That(plan.Keep[2].Reasons, Is.EqualTo(new[] { "hourly 2025-03-01T04" }));
    }

    [Test]
    public void DailyAlone_PrunesTheEarlierRunOfTheDay_LastKeepsIt()
    {
        string[] all = [N("2025-03-01T02:00:00Z"), N("2025-03-01T14:00:00Z")];
        Assert.That(new RetentionPolicy(KeepDaily: 7).Apply(all, []).Remove, Is.EqualTo(new[] { all[0] }));
        Assert.That(new RetentionPolicy(KeepDaily: 7, KeepLast: 2).Apply(all, []).Remove, Is.Empty);
        Assert.That(new RetentionPolicy(KeepDaily: 7, KeepHourly: 24).Apply(all, []).Remove, Is.Empty);
    }

    [Test]
    public void OnlyLastOrHourly_IsNotAnEmptyPolicy()
    {
        Assert.That(new RetentionPolicy(KeepLast: 1).IsEmpty, Is.False);
        Assert.That(new RetentionPolicy(KeepHourly: 1).IsEmpty, Is.False);
        Assert.That(new RetentionPolicy(KeepLast: -1).HasNegative, Is.True);
    }
}

[Category("Mount")]
[Category("TransportAgnostic")] // the retention policy
[NonParallelizable]
public class RetentionLastHourlyTests : BackupFixture
{
    [SetUp]
    public void SetUp()
    {
        File.WriteAllText(Path.Combine(_s.Plain, "file.txt"), "v0");
        _s.Init();
    }

    [Test]
    public void SeveralRunsADay_KeepLastAndHourly_KeepWhatThePolicySays()
    {
        string[] times = ["2025-03-01T01:10:00Z", "2025-03-01T01:40:00Z", "2025-03-01T05:00:00Z", "2025-03-01T09:00:00Z"];
        string[] names = [.. times.Select(t => SnapshotName.Format(DateTime.Parse(t, null, System.Globalization.DateTimeStyles.AdjustToUniversal)))];
        for (var i = 0; i < times.Length; i++)
        {
            File.WriteAllText(Path.Combine(_s.Plain, "file.txt"), $"v{i + 1}");
            var (r, summary) = _s.Backup(_s.Dest, "--snapshots", "--now", times[i], "--keep-daily", "1", "--keep-hourly", "2", "--keep-last", "1");
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
            Assert.That(summary.GetProperty("snapshot").GetString(), Is.EqualTo(names[i]));
        }
        // hourly 2: 09h and 05h; daily 1: 09h; last 1: 09h. 01:10 went when 01:40 came (same hour), 01:40 when 09h came.
        Assert.That(_s.SnapshotNames, Is.EqualTo(new[] { names[2], names[3] }));
        var restored = _s.RestoreWithGocryptfs(Path.Combine(_s.Snapshots, names[2]), "five");
        Assert.That(File.ReadAllText(Path.Combine(restored, "file.txt")), Is.EqualTo("v3"));

        var (more, _) = _s.Backup(_s.Dest, "--snapshots", "--now", "2025-03-01T10:00:00Z", "--keep-last", "3");
        Assert.That(more.ExitCode, Is.EqualTo(0), more.ToString());
        Assert.That(_s.SnapshotNames, Has.Length.EqualTo(3), "--keep-last alone keeps the 3 newest");
    }

    [Test]
    public void KeepLast_WithoutSnapshots_Exit2_Negative_Exit2()
    {
        var r = _s.Cli("backup", "--passfile", _s.Passfile, "--keep-last", "2", _s.Plain, _s.Dest);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Does.Contain("--keep-last"));
        var negative = _s.Cli("backup", "--passfile", _s.Passfile, "--snapshots", "--keep-hourly", "-1", _s.Plain, _s.Dest);
        Assert.That(negative.ExitCode, Is.EqualTo(2), negative.ToString());
    }
}
