namespace ReverseCrypt.Operations.Check;

/// <summary>A progress snapshot of a check.</summary>
/// <param name="ObjectsChecked">Objects checked so far.</param>
/// <param name="ObjectsTotal">Objects to check when counted, else -1.</param>
/// <param name="BytesChecked">Plaintext bytes authenticated so far.</param>
/// <param name="BytesTotal">Plaintext bytes to authenticate when counted, else -1.</param>
/// <param name="Problems">Damaged objects found so far.</param>
/// <param name="Elapsed">Time since the start.</param>
/// <param name="BytesPerSecond">Average rate.</param>
/// <param name="Eta">Estimated time left, when known.</param>
/// <param name="Finished">True for the last report.</param>
public readonly record struct FsckProgress(long ObjectsChecked, long ObjectsTotal, long BytesChecked, long BytesTotal, int Problems,
    TimeSpan Elapsed, double BytesPerSecond, TimeSpan? Eta, bool Finished);
