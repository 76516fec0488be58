using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Dirent family: getdents64(2) and a parser for its records (<c>struct linux_dirent64</c>: d_ino u64, d_off s64,
/// d_reclen u16, d_type u8, d_name NUL-terminated, records 8-byte aligned). Names stay bytes.
/// </summary>
public static partial class Libc
{
    /// <summary>d_type values.</summary>
    public const byte DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10,
        DT_SOCK = 12;

    /// <summary>Offsets in a <c>struct linux_dirent64</c> record (checked against C by the ABI tests).</summary>
    private const int DirentReclenOffset = 16, DirentTypeOffset = 18, DirentNameOffset = 19;

    /// <summary>getdents64(2) on a directory opened O_RDONLY|O_DIRECTORY. Returns bytes filled, 0 at the end, or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "getdents64", SetLastError = true)]
    internal static partial nint Getdents64(SafeFd fd, Span<byte> buffer, nuint count);

    /// <summary>getdents64 into <paramref name="buffer"/>, retried on EINTR. Returns bytes filled (0 at the end) or -1
    /// with <paramref name="errno"/> set.</summary>
    public static int Getdents64(SafeFd fd, Span<byte> buffer, out Errno errno) =>
        (int)RetryOnEintr(fd, buffer, static (f, b) => Getdents64(f, b, (nuint)b.Length), out errno);

    /// <summary>Walks the records that one <see cref="Getdents64(SafeFd, Span{byte}, out Errno)"/> call returned.</summary>
    public ref struct DirentReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _position;

        public DirentReader(ReadOnlySpan<byte> filled)
        {
            _data = filled;
            _position = 0;
            Ino = 0;
            Type = 0;
            Name = default;
        }

        /// <summary>d_ino of the current record.</summary>
        public ulong Ino { get; private set; }

        /// <summary>d_type of the current record (DT_*).</summary>
        public byte Type { get; private set; }

        /// <summary>The current name without its NUL.</summary>
        public ReadOnlySpan<byte> Name { get; private set; }

        /// <summary>Advances to the next record; false at the end of the filled part.</summary>
        public bool MoveNext()
        {
            if (_data.Length - _position < DirentNameOffset)
            {
                return false;
            }
            var record = _data[_position..];
            int reclen = BinaryPrimitives.ReadUInt16LittleEndian(record[DirentReclenOffset..]);
            if (reclen < DirentNameOffset || reclen > record.Length)
            {
                return false;
            }
            Ino = BinaryPrimitives.ReadUInt64LittleEndian(record);
            Type = record[DirentTypeOffset];
            var nameArea = record[DirentNameOffset..reclen];
            int nul = nameArea.IndexOf((byte)0);
            Name = nul >= 0 ? nameArea[..nul] : nameArea;
            _position += reclen;
            return true;
        }
    }
}
