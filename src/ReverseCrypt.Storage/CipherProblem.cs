namespace ReverseCrypt.Storage;

/// <summary>
/// One damaged object of an encrypted tree: its cipher path (relative to the tree root, the root is empty), its
/// plaintext path when it can be derived, and a one-line detail for people.
/// </summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="CipherPath">Path in the encrypted tree (bytes).</param>
/// <param name="PlainPath">Plaintext path, when the names on the way decrypt; otherwise null.</param>
/// <param name="Detail">Short explanation (block number, errno...), no plaintext content.</param>
/// <param name="BlockNumber">The first bad content block, for <see cref="CipherProblemKind.BlockInvalid"/>; else -1.</param>
public sealed record CipherProblem(CipherProblemKind Kind, byte[] CipherPath, byte[]? PlainPath, string Detail,
    long BlockNumber = -1)
{
    /// <summary>
    /// False for damage that loses no data: a .name leftover, or a directory IV that could be replaced by the
    /// path-derived one (names still decrypted). Everything else makes an object unreadable.
    /// </summary>
    public bool LosesData => Kind is not (CipherProblemKind.LongNameOrphan or CipherProblemKind.DirIvMissing
        or CipherProblemKind.DirIvInvalid or CipherProblemKind.DirIvStale);

    /// <summary>The cipher path for display (<see cref="BytePath.Display"/>).</summary>
    public string CipherPathText => BytePath.Display(CipherPath);

    /// <summary>The plaintext path for display, or null.</summary>
    public string? PlainPathText => PlainPath is null ? null : BytePath.Display(PlainPath);

    /// <summary>"KIND cipher/path (plain/path): detail".</summary>
    public override string ToString() =>
        PlainPath is null
            ? $"{Kind} {CipherPathText}: {Detail}"
            : $"{Kind} {CipherPathText} ({PlainPathText}): {Detail}";
}
