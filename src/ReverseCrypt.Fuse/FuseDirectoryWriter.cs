using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse;

/// <summary>
/// Appends directory entries (<c>struct fuse_dirent</c> / <c>struct fuse_direntplus</c>) straight into the reply
/// buffer of a READDIR or READDIRPLUS request. A method returns false when the entry does not fit: it is then not
/// sent, and the filesystem stops and does not count a lookup for it; the kernel asks again from that entry's offset.
/// </summary>
public ref struct FuseDirectoryWriter
{
    private const int DirentHeaderSize = 24;        // FUSE_NAME_OFFSET
    private const int EntryOutSize = 128;           // sizeof(struct fuse_entry_out)
    private const int MaxNameLength = 1024;         // FUSE_NAME_MAX, the kernel refuses longer names with EIO

    private readonly Span<byte> _buffer;
    private int _length;

    /// <summary>Creates a writer over <paramref name="buffer"/> (the reply payload, its length the size the kernel
    /// asked for). Public so that filesystems can be tested without a kernel.</summary>
    public FuseDirectoryWriter(Span<byte> buffer, bool plus)
    {
        _buffer = buffer;
        IsPlus = plus;
        _length = 0;
        Count = 0;
    }

    /// <summary>True for READDIRPLUS: only <see cref="TryAddPlus"/> may be used; otherwise only <see cref="TryAdd"/>.</summary>
    public bool IsPlus { get; }

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _length;

    /// <summary>Bytes still free in the reply.</summary>
    public readonly int Remaining => _buffer.Length - _length;

    /// <summary>Entries written so far.</summary>
    public int Count { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>The aligned size one entry with a name of <paramref name="nameLength"/> bytes takes.</summary>
    public static int EntrySize(int nameLength, bool plus) =>
        ((plus ? EntryOutSize : 0) + DirentHeaderSize + nameLength + 7) & ~7;

    /// <summary>READDIR: adds one entry. <paramref name="type"/> is a d_type (<see cref="FuseConstants.DirentDirectory"/>
    /// ...), <paramref name="nextOffset"/> the offset the kernel passes back to continue after this entry.
    /// Throws <see cref="ArgumentException"/> for an empty name, a name longer than 1024 bytes or containing '/'
    /// (the kernel would fail the whole listing with EIO).</summary>
    public bool TryAdd(scoped ReadOnlySpan<byte> name, ulong ino, uint type, long nextOffset)
    {
        if (IsPlus)
        {
            throw new InvalidOperationException("READDIRPLUS entries need TryAddPlus.");
        }
        ValidateName(name);
        int size = EntrySize(name.Length, plus: false);
        if (size > _buffer.Length - _length)
        {
            return false;
        }
        WriteDirent(_buffer.Slice(_length, size), name, ino, type, nextOffset);
        _length += size;
        Count++;
        return true;
    }

    /// <summary>READDIRPLUS: adds one entry with its lookup answer. Each accepted entry (true) whose
    /// <c>entry.NodeId</c> is not 0 and whose name is not "." or ".." counts as one lookup of that node.
    /// For "." and ".." pass <c>NodeId = 0</c> or any id: the kernel ignores their entry part.</summary>
    public bool TryAddPlus(scoped ReadOnlySpan<byte> name, scoped in FuseEntry entry, long nextOffset)
    {
        if (!IsPlus)
        {
            throw new InvalidOperationException("READDIR entries need TryAdd.");
        }
        ValidateName(name);
        int size = EntrySize(name.Length, plus: true);
        if (size > _buffer.Length - _length)
        {
            return false;
        }
        Span<byte> target = _buffer.Slice(_length, size);
        MemoryMarshal.Write(target, in entry);
        WriteDirent(target[EntryOutSize..], name, entry.Attr.Ino, FuseConstants.DirentTypeOf(entry.Attr.Mode), nextOffset);
        _length += size;
        Count++;
        return true;
    }

    private static void ValidateName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.Length > MaxNameLength || name.Contains((byte)'/') || name.Contains((byte)0))
        {
            throw new ArgumentException("A directory entry name must be 1..1024 bytes without '/' or NUL.", nameof(name));
        }
    }

    private static void WriteDirent(Span<byte> target, ReadOnlySpan<byte> name, ulong ino, uint type, long nextOffset)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(target, ino);
        BinaryPrimitives.WriteInt64LittleEndian(target[8..], nextOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(target[16..], (uint)name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(target[20..], type);
        name.CopyTo(target[DirentHeaderSize..]);
        target[(DirentHeaderSize + name.Length)..].Clear();
    }
}
