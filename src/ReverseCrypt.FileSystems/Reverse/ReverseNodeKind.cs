namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>What a node of the reverse view stands for.</summary>
public enum ReverseNodeKind
{
    /// <summary>The root directory.</summary>
    Root,
    /// <summary>A real plaintext object (file, directory, symlink, FIFO, socket, device) under its encrypted name.</summary>
    Real,
    /// <summary>The virtual gocryptfs.diriv of its parent directory (docs/format.md 6).</summary>
    DirIv,
    /// <summary>The virtual gocryptfs.longname.*.name file of a long-named sibling (docs/format.md 7.5).</summary>
    LongNameFile,
    /// <summary>gocryptfs.conf in the root: the config file, shown as it is (docs/format.md 3.1 and 18).</summary>
    Config,
}
