namespace ReverseCrypt.Operations.Backup;

/// <summary>A snapshot that stays, and why ("daily 2025-06-01", "weekly 2025-W22", "monthly 2025-06", "protected").</summary>
public sealed record RetainedSnapshot(string Name, IReadOnlyList<string> Reasons);
