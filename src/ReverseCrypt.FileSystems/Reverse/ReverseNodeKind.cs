namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>What a node of the reverse view stands for: the one-byte tag the node table and listing entries keep for
/// a node's type (<see cref="ReverseNode.Create"/>); what each kind does lives on its type.</summary>
public enum ReverseNodeKind
{
    /// <summary>The root directory (<see cref="RootNode"/>).</summary>
    Root,
    /// <summary>A real plaintext object (file, directory, symlink, FIFO, socket, device) under its encrypted name
    /// (<see cref="RealNode"/>).</summary>
    Real,
    /// <summary>The virtual gocryptfs.diriv of its parent directory (docs/format.md 6; <see cref="DirIvNode"/>).</summary>
    DirIv,
    /// <summary>The virtual gocryptfs.longname.*.name file of a long-named sibling (docs/format.md 7.5;
    /// <see cref="LongNameFileNode"/>).</summary>
    LongNameFile,
    /// <summary>gocryptfs.conf in the root: the config file, shown as it is (docs/format.md 3.1 and 18;
    /// <see cref="ConfigNode"/>).</summary>
    Config,
}
