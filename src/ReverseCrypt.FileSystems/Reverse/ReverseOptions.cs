using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReverseCrypt.Format;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>Settings of one reverse view (the encrypted view of a plaintext tree).</summary>
/// <param name="PlainRoot">The plaintext directory (PLAINDIR). Symlinks in this path itself are followed once, when
/// the view is created; nothing below it is ever followed.</param>
public sealed record ReverseOptions(string PlainRoot)
{
    /// <summary>
    /// The config file to show as <c>gocryptfs.conf</c> in the root (docs/format.md 3.1 and 18). Null, or the path of
    /// <c>PLAINDIR/.gocryptfs.reverse.conf</c>: the root's <c>.gocryptfs.reverse.conf</c> is shown as
    /// <c>gocryptfs.conf</c> (when it exists) and never under an encrypted name. Any other file: that file is shown
    /// as <c>gocryptfs.conf</c>, and a <c>.gocryptfs.reverse.conf</c> in the root is an ordinary file.
    /// </summary>
    public string? ConfigPath { get; init; }

    /// <summary>Leave the config out of the view: no <c>gocryptfs.conf</c>; an in-tree config (see
    /// <see cref="ConfigPath"/>) is not shown at all.</summary>
    public bool HideConfig { get; init; }

    /// <summary>Excluded plaintext paths: left out of listings, EPERM on lookup (docs/format.md 12.1). Null: none.</summary>
    public ExcludeMatcher? Exclude { get; init; }

    /// <summary>Directories on another device than PLAINDIR are shown but appear empty (docs/format.md 12.2).</summary>
    public bool OneFileSystem { get; init; }

    /// <summary>Serve each whole 4 KiB plaintext block inside a hole (SEEK_DATA/SEEK_HOLE) as an all-zero cipher
    /// block, which decrypts to zeros, without reading or encrypting it (docs/format.md 18: shows the hole layout).
    /// False: every block is encrypted, byte-identical to <c>gocryptfs -reverse</c>.</summary>
    public bool Sparse { get; init; } = true;

    /// <summary>How long the kernel may cache names and attributes; the plaintext is re-read after it.</summary>
    public TimeSpan AttrTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the view logs (an unreadable file, an xattr left out, unexpected errors).</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Called on a timer thread about a second after the view released a sizeable amount of memory (nodes the
    /// kernel forgot, 8 MiB or more). What to do about it is the hosting process's policy (the CLI compacts the heap
    /// so that RSS falls back); null: nothing.</summary>
    public Action? MemoryReleased { get; init; }
}
