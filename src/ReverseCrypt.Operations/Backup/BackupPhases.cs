using System.Diagnostics;

namespace ReverseCrypt.Operations.Backup;

/// <summary>One step of a backup and how long it took.</summary>
public sealed record BackupPhase(string Name, TimeSpan Duration);

/// <summary>
/// The steps of one backup in the order they ended, each with its duration (<c>--json</c> "phases", a
/// <c>--debug</c> line each), so that a figure says where the time went. A step that runs twice (none does today)
/// is listed twice. Thread-safe.
/// </summary>
public sealed class BackupPhases
{
    private readonly Lock _lock = new();
    private readonly List<BackupPhase> _phases = [];

    /// <summary>Called (on the thread that ended it) for each step as it ends.</summary>
    public Action<BackupPhase>? Ended { get; set; }

    /// <summary>The steps so far, in the order they ended.</summary>
    public IReadOnlyList<BackupPhase> All
    {
        get
        {
            lock (_lock) return [.. _phases];
        }
    }

    /// <summary>Notes a step that took <paramref name="duration"/>.</summary>
    public void Add(string name, TimeSpan duration)
    {
        var phase = new BackupPhase(name, duration);
        lock (_lock) _phases.Add(phase);
        Ended?.Invoke(phase);
    }

    /// <summary>Runs <paramref name="step"/> and notes its duration, also when it throws.</summary>
    public T Time<T>(string name, Func<T> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var start = Stopwatch.GetTimestamp();
        try
        {
            return step();
        }
        finally
        {
            Add(name, Stopwatch.GetElapsedTime(start));
        }
    }

    /// <summary>As <see cref="Time{T}"/>, for a step without a result.</summary>
    public void Time(string name, Action step)
    {
        ArgumentNullException.ThrowIfNull(step);
        Time(name, () =>
        {
            step();
            return true;
        });
    }
}
