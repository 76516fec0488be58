using ReverseCrypt.Format.Config;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>
/// Loads a config file that may be untrusted (the gocryptfs.conf of a copy fetched back from the remote): only a
/// regular file is opened (checked before the open, so a FIFO never blocks and a device node is never opened, and
/// again on the descriptor), and at most <see cref="ConfFile.MaxFileSize"/> + 1 bytes of it are read.
/// </summary>
public static class ConfigReader
{
    /// <summary>Reads and validates the config at <paramref name="path"/>. Throws ConfigException with a one-line message
    /// naming the file (Missing, Unreadable for a non-regular or unreadable file, TooLarge, or a content problem).</summary>
    public static ConfFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var json = new byte[ConfFile.MaxFileSize + 1];
        int length;
        using (var fd = CipherIo.OpenRegularPath(path, out _, out var errno))
        {
            length = fd is null ? -1 : Libc.PreadFull(fd, json, 0, out errno);
            if (length < 0)
            {
                throw errno switch
                {
                    Errno.ENOENT or Errno.ENOTDIR => new ConfigException(ConfigErrorKind.Missing, $"config {path}: file not found"),
                    Errno.EINVAL when fd is null => new ConfigException(ConfigErrorKind.Unreadable, $"config {path}: not a regular file"),
                    _ => new ConfigException(ConfigErrorKind.Unreadable, $"config {path}: cannot read: {Libc.Describe(errno)}"),
                };
            }
        }
        return ConfFile.Parse(json.AsSpan(0, length), path);
    }
}
