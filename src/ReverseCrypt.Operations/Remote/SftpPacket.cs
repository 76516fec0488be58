using System.Buffers.Binary;
using System.Text;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Operations.Remote;

/// <summary>The SFTP version 3 constants this client uses (draft-ietf-secsh-filexfer-02).</summary>
internal static class Sftp
{
    public const byte Init = 1, Version = 2, Open = 3, Close = 4, Read = 5, Lstat = 7, Fstat = 8, Opendir = 11, Readdir = 12,
        Readlink = 19, Status = 101, Handle = 102, Data = 103, Name = 104, Attrs = 105;

    public const uint StatusOk = 0, StatusEof = 1, StatusNoSuchFile = 2, StatusPermissionDenied = 3, StatusFailure = 4,
        StatusBadMessage = 5, StatusNoConnection = 6, StatusConnectionLost = 7, StatusOpUnsupported = 8;

    public const uint AttrSize = 0x1, AttrUidGid = 0x2, AttrPermissions = 0x4, AttrAcModTime = 0x8, AttrExtended = 0x80000000;

    public const uint OpenRead = 0x1;

    /// <summary>Largest packet accepted from the server (OpenSSH's sftp-server sends at most 256 KiB).</summary>
    public const int MaxPacket = 1024 * 1024;
}

/// <summary>Builds one request packet: uint32 length, byte type, uint32 id, then the fields.</summary>
internal sealed class SftpWriter
{
    private byte[] _buffer = new byte[256];
    private int _length = 4;

    public SftpWriter(byte type, uint id)
    {
        Byte(type);
        UInt32(id);
    }

    public void Byte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void UInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void UInt64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void String(ReadOnlySpan<byte> value)
    {
        UInt32((uint)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    /// <summary>The finished packet (the length field filled in).</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer, (uint)(_length - 4));
        return _buffer.AsMemory(0, _length);
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}

/// <summary>Reads the fields of one reply (after its type and id); a truncated reply throws <see cref="SftpException"/>.</summary>
internal ref struct SftpReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public SftpReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public uint UInt32()
    {
        Need(4);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public ulong UInt64()
    {
        Need(8);
        var value = BinaryPrimitives.ReadUInt64BigEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public ReadOnlySpan<byte> String()
    {
        int length = (int)Math.Min(UInt32(), int.MaxValue);
        Need(length);
        var value = _data.Slice(_position, length);
        _position += length;
        return value;
    }

    /// <summary>An ATTRS structure as an lstat result: fields SFTP v3 does not carry stay zero (ino, nlink, ctime,
    /// nanoseconds, devices); <paramref name="ino"/> is the number chosen for the object.</summary>
    public Libc.StatxBuffer Attrs(ulong ino)
    {
        uint flags = UInt32();
        var stat = new Libc.StatxBuffer { Ino = ino, Nlink = 1, Blksize = 4096 };
        if ((flags & Sftp.AttrSize) != 0)
        {
            stat.Size = UInt64();
            stat.Blocks = (stat.Size + 511) / 512;
        }
        if ((flags & Sftp.AttrUidGid) != 0)
        {
            stat.Uid = UInt32();
            stat.Gid = UInt32();
        }
        if ((flags & Sftp.AttrPermissions) != 0)
        {
            stat.Mode = (ushort)UInt32();
        }
        if ((flags & Sftp.AttrAcModTime) != 0)
        {
            stat.Atime.Sec = UInt32();
            stat.Mtime.Sec = UInt32();
            stat.Ctime.Sec = stat.Mtime.Sec;
        }
        if ((flags & Sftp.AttrExtended) != 0)
        {
            uint count = UInt32();
            for (uint i = 0; i < count; i++)
            {
                String();
                String();
            }
        }
        if (stat.FileType == CipherIoTypes.Directory)
        {
            stat.Nlink = 2;
        }
        return stat;
    }

    private readonly void Need(int count)
    {
        if (count < 0 || _position + count > _data.Length)
        {
            throw new SftpException(Errno.EIO, "malformed SFTP reply (truncated)");
        }
    }
}

internal static class CipherIoTypes
{
    public const uint Directory = 0x4000;
}

/// <summary>A failed SFTP request: the errno the view answers and a one-line reason.</summary>
public sealed class SftpException : IOException
{
    public SftpException(Errno errno, string message, Exception? inner = null)
        : base(message, inner)
    {
        Errno = errno;
    }

    public SftpException()
    {
    }

    public SftpException(string message)
        : base(message)
    {
    }

    public SftpException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public Errno Errno { get; } = Errno.EIO;

    /// <summary>The errno of an SSH_FXP_STATUS code.</summary>
    public static Errno ErrnoOf(uint status) => status switch
    {
        Sftp.StatusNoSuchFile => Errno.ENOENT,
        Sftp.StatusPermissionDenied => Errno.EACCES,
        Sftp.StatusOpUnsupported => Errno.EOPNOTSUPP,
        _ => Errno.EIO,
    };

    internal static string Describe(uint status, ReadOnlySpan<byte> message) =>
        $"SFTP status {status}" + (message.IsEmpty ? "" : ": " + Encoding.UTF8.GetString(message));
}
