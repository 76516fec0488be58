namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// What a lease (<see cref="DestinationLease"/>) does besides holding the lock: print the destination's probe once the
/// lock is held (<paramref name="Probe"/>: null none, false plain, true with clone detection, as
/// <see cref="SnapshotStore.ProbeScript"/>), and run later steps sent on its standard input (<paramref name="Steps"/>),
/// framed by <paramref name="Marker"/> (16 to 64 lower-case hex digits, random per run, so that no name on the
/// destination can end a frame early).
/// </summary>
public sealed record LeaseSession(string Marker, bool? Probe, bool Steps)
{
    /// <summary>A session with a fresh random marker.</summary>
    public static LeaseSession Create(bool? probe, bool steps) => new(Guid.NewGuid().ToString("N"), probe, steps);

    /// <summary>Is <paramref name="marker"/> a valid marker (16 to 64 lower-case hex digits)?</summary>
    public static bool IsMarker(string marker) =>
        marker.Length is >= 16 and <= 64 && marker.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
