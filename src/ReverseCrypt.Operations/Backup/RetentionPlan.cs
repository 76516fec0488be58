namespace ReverseCrypt.Operations.Backup;

/// <summary>The outcome of a retention policy: what stays (with the rules that keep it) and what goes, oldest first.</summary>
public sealed record RetentionPlan(IReadOnlyList<RetainedSnapshot> Keep, IReadOnlyList<string> Remove);
