using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ReverseCrypt.Fuse.Abi;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>Builds raw requests (fuse_in_header + payload) as the kernel would send them.</summary>
internal static class RequestBuilder
{
    public const uint Uid = 1000, Gid = 1001, Pid = 4242;

    public static byte[] Build(FuseOpcode opcode, ulong unique, ulong nodeId, ReadOnlySpan<byte> payload) =>
        Build((uint)opcode, unique, nodeId, payload);

    public static byte[] Build(uint opcode, ulong unique, ulong nodeId, ReadOnlySpan<byte> payload)
    {
        byte[] request = new byte[40 + payload.Length];
        var header = new FuseInHeader
        {
            Len = (uint)request.Length,
            Opcode = opcode,
            Unique = unique,
            NodeId = nodeId,
            Uid = Uid,
            Gid = Gid,
            Pid = Pid,
        };
        MemoryMarshal.Write(request, in header);
        payload.CopyTo(request.AsSpan(40));
        return request;
    }

    public static byte[] Struct<T>(T value)
        where T : unmanaged
    {
        byte[] bytes = new byte[Unsafe.SizeOf<T>()];
        MemoryMarshal.Write(bytes, in value);
        return bytes;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] NameZ(string name) => [.. System.Text.Encoding.UTF8.GetBytes(name), 0];

    /// <summary>A FUSE_INIT from a 7.45 kernel offering <paramref name="flags"/> (flags2 via FUSE_INIT_EXT).</summary>
    public static byte[] Init(ulong unique, ulong flags, uint minor = 45, uint maxReadahead = 131072, uint major = 7)
    {
        var init = new FuseInitIn
        {
            Major = major,
            Minor = minor,
            MaxReadahead = maxReadahead,
            Flags = (uint)flags,
            Flags2 = (uint)(flags >> 32),
        };
        return Build(FuseOpcode.Init, unique, 0, Struct(init));
    }

    public static byte[] Read(FuseOpcode opcode, ulong unique, ulong node, ulong fh, ulong offset, uint size) =>
        Build(opcode, unique, node, Struct(new FuseReadIn { Fh = fh, Offset = offset, Size = size }));

    public static ulong ReadUnique(ReadOnlySpan<byte> reply) => BinaryPrimitives.ReadUInt64LittleEndian(reply[8..]);
}
