using System.Globalization;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Check;

/// <summary>
/// An entry of a plaintext tree that grants more than its bytes: a setuid or setgid regular file, a character or block
/// device node, or a FIFO. They are legitimate in the gocryptfs format (a device node of the plaintext is stored as a
/// device node), so they are not damage; but whoever controls a copy can plant them, so fsck and restore list them.
/// Sockets are not listed: a socket node does nothing without a process listening on it.
/// </summary>
/// <param name="PlainPath">The plaintext path (relative to the tree root).</param>
/// <param name="Mode">st_mode: file type and permission bits.</param>
/// <param name="Uid">The owner shown by the copy.</param>
/// <param name="Gid">The group shown by the copy.</param>
/// <param name="RdevMajor">Device major number (device nodes).</param>
/// <param name="RdevMinor">Device minor number (device nodes).</param>
public sealed record SensitiveEntry(byte[] PlainPath, uint Mode, uint Uid, uint Gid, uint RdevMajor, uint RdevMinor)
{
    private const uint SetUid = 0x800, SetGid = 0x400;

    /// <summary>True for a device node, a FIFO, or a regular file with setuid or setgid.</summary>
    public static bool IsSensitive(uint mode) => (mode & CipherIo.S_IFMT) switch
    {
        CipherIo.S_IFCHR or CipherIo.S_IFBLK or CipherIo.S_IFIFO => true,
        CipherIo.S_IFREG => (mode & (SetUid | SetGid)) != 0,
        _ => false,
    };

    /// <summary>True for the kinds restore creates only with --devices: character and block devices, FIFOs.</summary>
    public static bool IsDeviceOrFifo(uint mode) =>
        (mode & CipherIo.S_IFMT) is CipherIo.S_IFCHR or CipherIo.S_IFBLK or CipherIo.S_IFIFO;

    /// <summary>"setuid file", "setgid file", "setuid+setgid file", "character device 1:3", "block device 7:200", "FIFO".</summary>
    public string Kind => (Mode & CipherIo.S_IFMT) switch
    {
        CipherIo.S_IFCHR => string.Create(CultureInfo.InvariantCulture, $"character device {RdevMajor}:{RdevMinor}"),
        CipherIo.S_IFBLK => string.Create(CultureInfo.InvariantCulture, $"block device {RdevMajor}:{RdevMinor}"),
        CipherIo.S_IFIFO => "FIFO",
        _ => (Mode & (SetUid | SetGid)) switch
        {
            SetUid => "setuid file",
            SetGid => "setgid file",
            _ => "setuid+setgid file",
        },
    };

    /// <summary>"path: block device 7:200, mode 0660, owner 0:6" (path \xNN-escaped).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{BytePath.Display(PlainPath)}: {Kind}, mode {Convert.ToString(Mode & 0xFFF, 8).PadLeft(4, '0')}, owner {Uid}:{Gid}");

    /// <summary>Sorts by plaintext path (bytes).</summary>
    public static void Sort(List<SensitiveEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        entries.Sort((a, b) => a.PlainPath.AsSpan().SequenceCompareTo(b.PlainPath));
    }
}
