namespace ReverseCrypt.Operations.Remote;

/// <summary><c>reversecrypt serve</c> refused a command: the message is the one line it prints.</summary>
public sealed class ServeRefusedException(string message) : Exception(message);
