using System.Security.Cryptography;
using System.Text;

namespace ReverseCrypt.Operations.Backup;

/// <summary>What a manifest says about the run that wrote it.</summary>
/// <param name="Identity">The options and config that shape the copied tree (<see cref="ManifestFile.IdentityOf"/>).</param>
/// <param name="Snapshot">The snapshot the run completed, or "" for a mirror.</param>
/// <param name="IncrementalRuns">Change-driven runs since the last full one.</param>
/// <param name="Count">Entries.</param>
public sealed record ManifestHeader(string Identity, string Snapshot, int IncrementalRuns, long Count);

/// <summary>
/// The walk of the last complete run to one destination, kept locally: a compact binary file, written and read as a
/// stream (entries in <see cref="ChangeScan.Compare"/> order, each path as the length it shares with the previous
/// path plus the rest, then the metadata), with a trailer that tells a truncated file. Written atomically (temporary
/// file, fsync, rename) only after a run completed; a run that may change the destination first deletes it, so that
/// after a failed or killed run the next one is full.
/// <code>
/// "RCMANIF1" identity snapshot incremental-runs count {entry} "RCMEND!!" count
/// </code>
/// </summary>
public static class ManifestFile
{
    private static readonly byte[] Magic = "RCMANIF1"u8.ToArray();
    private static readonly byte[] EndMagic = "RCMEND!!"u8.ToArray();

    /// <summary>The environment variable that names the manifest directory (tests, packagers).</summary>
    public const string DirectoryVariable = "REVERSECRYPT_STATE_DIR";

    /// <summary>$REVERSECRYPT_STATE_DIR, else /var/lib/reversecrypt/manifests as root, else
    /// $XDG_STATE_HOME/reversecrypt/manifests (default ~/.local/state).</summary>
    public static string DefaultDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnvironment)) return Path.Combine(fromEnvironment, "manifests");
        if (Interop.Libc.Geteuid() == 0) return "/var/lib/reversecrypt/manifests";
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state)) state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "reversecrypt", "manifests");
    }

    /// <summary>The manifest of backups of <paramref name="plainDir"/> to <paramref name="destination"/>.</summary>
    public static string PathFor(string directory, string destination, string plainDir)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(destination + "\0" + Path.GetFullPath(plainDir)));
        return Path.Combine(directory, Convert.ToHexStringLower(key.AsSpan(0, 16)) + ".manifest");
    }

    /// <summary>A digest of everything that, changed, makes the copied tree differ without the plaintext changing.</summary>
    public static string IdentityOf(IEnumerable<string> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts))));
    }

    /// <summary>Writes <paramref name="entries"/> (in order) to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, ManifestHeader header, IEnumerable<ScanEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(entries);
        // Plaintext names: readable by the owner only.
        Directory.CreateDirectory(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temp = path + ".tmp";
        long count = 0;
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 1 << 16,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        File.Delete(temp);
        using (var file = new FileStream(temp, options))
        {
            using (var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(header.Identity);
                writer.Write(header.Snapshot);
                writer.Write(header.IncrementalRuns);
                writer.Write(header.Count);
                ReadOnlySpan<byte> previous = [];
                byte[] last = [];
                foreach (var entry in entries)
                {
                    var shared = previous.CommonPrefixLength(entry.Path);
                    writer.Write7BitEncodedInt(shared);
                    writer.Write7BitEncodedInt(entry.Path.Length - shared);
                    writer.Write(entry.Path, shared, entry.Path.Length - shared);
                    var m = entry.Meta;
                    writer.Write(m.Mode);
                    writer.Write7BitEncodedInt64((long)m.Size);
                    writer.Write(m.MtimeSec);
                    writer.Write(m.MtimeNsec);
                    writer.Write(m.CtimeSec);
                    writer.Write(m.CtimeNsec);
                    writer.Write7BitEncodedInt64((long)m.Ino);
                    writer.Write7BitEncodedInt64((long)m.Dev);
                    writer.Write7BitEncodedInt(unchecked((int)m.Uid));
                    writer.Write7BitEncodedInt(unchecked((int)m.Gid));
                    writer.Write7BitEncodedInt64((long)m.Rdev);
                    writer.Write7BitEncodedInt(unchecked((int)m.Nlink));
                    last = entry.Path;
                    previous = last;
                    count++;
                }
                writer.Write(EndMagic);
                writer.Write(count);
            }
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        FsyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Deletes the manifest (before a run changes the destination), durably.</summary>
    public static void Delete(string path)
    {
        if (!File.Exists(path)) return;
        File.Delete(path);
        FsyncDirectory(Path.GetDirectoryName(path)!);
    }

    private static void FsyncDirectory(string directory)
    {
        var pathZ = Encoding.UTF8.GetBytes(directory + "\0");
        unsafe
        {
            fixed (byte* p = pathZ)
            {
                using var fd = Interop.Libc.OpenatZ(Interop.Libc.AT_FDCWD, p, Interop.Libc.OpenFlags.O_RDONLY | Interop.Libc.OpenFlags.O_DIRECTORY, out _);
                if (fd is not null) _ = Interop.Libc.FsyncFd(fd);
            }
        }
    }

    /// <summary>Reads a manifest as a stream. Throws <see cref="InvalidDataException"/> for a damaged or truncated one.</summary>
    public sealed class Reader : IDisposable
    {
        private readonly BinaryReader _reader;
        private readonly long _count;
        private long _read;
        private byte[] _path = [];

        public Reader(string path)
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            _reader = new BinaryReader(file, Encoding.UTF8);
            try
            {
                if (!_reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw new InvalidDataException("not a manifest");
                Header = new ManifestHeader(_reader.ReadString(), _reader.ReadString(), _reader.ReadInt32(), _reader.ReadInt64());
                _count = Header.Count;
            }
            catch (EndOfStreamException e)
            {
                _reader.Dispose();
                throw new InvalidDataException("truncated manifest", e);
            }
            catch
            {
                _reader.Dispose();
                throw;
            }
        }

        public ManifestHeader Header { get; }

        /// <summary>The next entry, or false after the last one (whose trailer is checked).</summary>
        public bool TryRead(out ScanEntry entry)
        {
            try
            {
                if (_read == _count)
                {
                    if (!_reader.ReadBytes(EndMagic.Length).AsSpan().SequenceEqual(EndMagic) || _reader.ReadInt64() != _count)
                        throw new InvalidDataException("manifest trailer missing");
                    entry = default;
                    return false;
                }
                var shared = _reader.Read7BitEncodedInt();
                var rest = _reader.Read7BitEncodedInt();
                if (shared < 0 || shared > _path.Length || rest < 0 || rest > 1 << 20) throw new InvalidDataException("damaged manifest entry");
                var path = new byte[shared + rest];
                _path.AsSpan(0, shared).CopyTo(path);
                if (_reader.Read(path, shared, rest) != rest) throw new EndOfStreamException();
                var meta = new ScanMeta(_reader.ReadUInt32(), (ulong)_reader.Read7BitEncodedInt64(), _reader.ReadInt64(), _reader.ReadUInt32(),
                    _reader.ReadInt64(), _reader.ReadUInt32(), (ulong)_reader.Read7BitEncodedInt64(), (ulong)_reader.Read7BitEncodedInt64(),
                    unchecked((uint)_reader.Read7BitEncodedInt()), unchecked((uint)_reader.Read7BitEncodedInt()),
                    (ulong)_reader.Read7BitEncodedInt64(), unchecked((uint)_reader.Read7BitEncodedInt()));
                if (_read > 0 && ChangeScan.Compare(_path, path) >= 0) throw new InvalidDataException("manifest out of order");
                _path = path;
                _read++;
                entry = new ScanEntry(path, meta);
                return true;
            }
            catch (Exception e) when (e is IOException or FormatException)
            {
                throw new InvalidDataException("truncated or damaged manifest", e);
            }
        }

        public void Dispose() => _reader.Dispose();
    }
}
