// Options for writing a new config (docs/format.md sections 3.3 and 3.4).
namespace ReverseCrypt.Format.Config;

/// <summary>What to put into a new config file.</summary>
/// <param name="Reverse">Reverse mode (implies AESSIV).</param>
/// <param name="ScryptLogN">log2 of scrypt N (10..28), default 16.</param>
/// <param name="LongNameMax">0 = default (255); else 62..254 sets the LongNameMax flag.</param>
/// <param name="DeterministicNames">No DirIV flag.</param>
/// <param name="PlaintextNames">No name encryption.</param>
/// <param name="Creator">Informational creator string.</param>
public sealed record ConfCreateOptions(bool Reverse, int ScryptLogN = ConfFile.DefaultScryptLogN, int LongNameMax = 0, bool DeterministicNames = false,
    bool PlaintextNames = false, string Creator = "ReverseCrypt <version>");
