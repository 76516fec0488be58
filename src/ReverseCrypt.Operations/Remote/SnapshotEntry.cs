namespace ReverseCrypt.Operations.Remote;

/// <summary>One snapshot of a destination, as <c>reversecrypt snapshots</c> lists it.</summary>
/// <param name="Name">The snapshot's name (its UTC start time, <c>yyyy-MM-ddTHHmmssZ</c>), without <c>.incomplete</c>.</param>
/// <param name="Time">The UTC time the name stands for.</param>
/// <param name="Complete">False for a run in progress or interrupted (<c>NAME.incomplete</c>).</param>
/// <param name="Latest">DEST/latest points at it.</param>
public sealed record SnapshotEntry(string Name, DateTime Time, bool Complete, bool Latest)
{
    /// <summary>The snapshot's directory relative to DEST (<c>snapshots/NAME</c> or <c>snapshots/NAME.incomplete</c>).</summary>
    public string RelativePath => Backup.SnapshotName.SnapshotsDirectory + "/" + Name + (Complete ? "" : Backup.SnapshotName.IncompleteSuffix);
}
