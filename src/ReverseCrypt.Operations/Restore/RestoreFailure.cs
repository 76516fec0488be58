using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Restore;

/// <summary>One object that was not restored, or not completely (e.g. an xattr could not be set).</summary>
/// <param name="Kind">Why.</param>
/// <param name="PlainPath">The plaintext path, when known (relative to the tree root).</param>
/// <param name="CipherPath">The cipher path, when known.</param>
/// <param name="Reason">One line for people.</param>
/// <param name="Problem">For <see cref="RestoreFailureKind.Damaged"/>: the damage found.</param>
public sealed record RestoreFailure(RestoreFailureKind Kind, byte[]? PlainPath, byte[]? CipherPath, string Reason,
    CipherProblem? Problem = null)
{
    /// <summary>"plain/path (cipher/path): reason".</summary>
    public override string ToString()
    {
        var plain = PlainPath is null ? null : BytePath.Display(PlainPath);
        var cipher = CipherPath is null ? null : BytePath.Display(CipherPath);
        return (plain, cipher) switch
        {
            (not null, not null) => $"{plain} ({cipher}): {Reason}",
            (not null, null) => $"{plain}: {Reason}",
            (null, not null) => $"({cipher}): {Reason}",
            _ => Reason,
        };
    }
}
