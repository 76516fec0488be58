namespace ReverseCrypt.Operations.Remote;

/// <summary>The snapshot or plaintext path asked for is not in the backup (a wrong snapshot name, a path that did not
/// exist when that snapshot was made, a destination without snapshots).</summary>
public sealed class NotInBackupException(string message) : Exception(message);
