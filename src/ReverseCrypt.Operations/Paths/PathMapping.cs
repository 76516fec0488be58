using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Paths;

/// <summary>The result of mapping one path.</summary>
/// <param name="Path">The mapped path (bytes; relative, '/'-separated), or null when it could not be mapped.</param>
/// <param name="Exists">For <see cref="PathMapper.Encrypt"/>: false when (part of) the path does not exist in the
/// tree; the cipher path then uses the path-derived IVs of reverse mode for the missing part.</param>
/// <param name="Problem">Why it could not be mapped (null on success).</param>
public sealed record PathMapping(byte[]? Path, bool Exists, CipherProblem? Problem)
{
    /// <summary>The mapped path for display (<see cref="BytePath.Display"/>), or null.</summary>
    public string? Text => Path is null ? null : BytePath.Display(Path);
}
