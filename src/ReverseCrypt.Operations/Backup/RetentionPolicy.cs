using System.Globalization;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Which complete snapshots to keep, like restic's forget policy: <c>--keep-last N</c> keeps the N newest snapshots,
/// <c>--keep-hourly N</c> the newest snapshot of each of the N newest hours that have a snapshot (so a second run on
/// the same day is not pruned by the daily rule alone), <c>--keep-daily N</c> the newest of each of the N newest days, <c>--keep-weekly N</c> the newest of each of the N newest ISO weeks,
/// <c>--keep-monthly N</c> the newest of each of the N newest months. A snapshot kept by any rule stays. Days, weeks
/// and months are UTC, like the snapshot names. Protected snapshots (the one just made, the one <c>latest</c> names)
/// always stay. An empty policy (all zero) keeps everything.
/// </summary>
public sealed record RetentionPolicy(int KeepDaily = 0, int KeepWeekly = 0, int KeepMonthly = 0, int KeepLast = 0, int KeepHourly = 0)
{
    public bool IsEmpty => KeepDaily == 0 && KeepWeekly == 0 && KeepMonthly == 0 && KeepLast == 0 && KeepHourly == 0;

    /// <summary>True when a count is negative (the command line refuses that).</summary>
    public bool HasNegative => KeepDaily < 0 || KeepWeekly < 0 || KeepMonthly < 0 || KeepLast < 0 || KeepHourly < 0;

    /// <summary>Decides for every name in <paramref name="snapshots"/> (names that are no snapshot names are ignored).</summary>
    public RetentionPlan Apply(IEnumerable<string> snapshots, IEnumerable<string> protectedNames)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(protectedNames);
        if (HasNegative) throw new ArgumentOutOfRangeException(nameof(snapshots), "keep counts cannot be negative");
        var dated = snapshots
            .Select(name => (Name: name, Ok: SnapshotName.TryParse(name, out var time), Time: time))
            .Where(s => s.Ok)
            .DistinctBy(s => s.Name)
            .OrderByDescending(s => s.Time)
            .ToList();
        var reasons = dated.ToDictionary(s => s.Name, _ => new List<string>(), StringComparer.Ordinal);
        var protect = new HashSet<string>(protectedNames, StringComparer.Ordinal);
        if (IsEmpty)
        {
            foreach (var s in dated) reasons[s.Name].Add("no retention policy");
        }
        else
        {
            var rules = new (string Reason, int Count, Func<DateTime, string> Bucket)[]
            {
                // Every snapshot is a bucket of its own (names are unique to the second).
                ("last", KeepLast, t => t.ToString("yyyy-MM-ddTHHmmssZ", CultureInfo.InvariantCulture)),
                ("hourly", KeepHourly, t => t.ToString("yyyy-MM-ddTHH", CultureInfo.InvariantCulture)),
                ("daily", KeepDaily, t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                ("weekly", KeepWeekly, t => $"{ISOWeek.GetYear(t)}-W{ISOWeek.GetWeekOfYear(t):00}"),
                ("monthly", KeepMonthly, t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture)),
            };
            foreach (var (reason, count, bucketOf) in rules)
            {
                var left = count;
                string? lastBucket = null;
                foreach (var s in dated)
                {
                    if (left == 0) break;
                    var bucket = bucketOf(s.Time);
                    if (bucket == lastBucket) continue;
                    lastBucket = bucket;
                    left--;
                    reasons[s.Name].Add($"{reason} {bucket}");
                }
            }
        }
        foreach (var s in dated.Where(s => protect.Contains(s.Name))) reasons[s.Name].Add("protected");
        var keep = dated.Where(s => reasons[s.Name].Count > 0)
            .Select(s => new RetainedSnapshot(s.Name, reasons[s.Name])).Reverse().ToList();
        var remove = dated.Where(s => reasons[s.Name].Count == 0).Select(s => s.Name).Reverse().ToList();
        return new RetentionPlan(keep, remove);
    }
}
