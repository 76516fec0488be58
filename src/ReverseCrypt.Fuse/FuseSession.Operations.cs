using System.Runtime.CompilerServices;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Protocol;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse;

/// <summary>The dispatch table: for every opcode its name (as in <c>linux/fuse.h</c>), the smallest argument block
/// the kernel sends with it, whether it is answered, and its handler. <see cref="Handle"/> checks the size once,
/// before any handler runs, so a short request gets the same answer (EINVAL, one rate-limited log line naming the
/// opcode) whatever the opcode; handlers only check what depends on the content (a NUL-terminated name, a size
/// beyond the reply buffer).</summary>
public sealed partial class FuseSession
{
    /// <summary>Slots of the per-opcode request counts: every opcode of the table, and one shared slot for opcodes
    /// beyond it.</summary>
    internal const int OpcodeSlots = MaxOpcode + 2;

    private const int MaxOpcode = (int)FuseOpcode.Statx;

    private delegate int Handler(FuseSession session, in FuseInHeader header, ref RequestReader reader,
        ReplyBuffer reply, out Errno error);

    /// <summary>One row of the table.</summary>
    private readonly record struct Operation(string Name, int MinimumInput, bool Replies, Handler Handler);

    private static readonly Operation s_unknown = new("UNKNOWN", 0, true, NotImplemented);

    private static readonly Operation[] s_operations = BuildTable();

    /// <summary>The table, by opcode (for tests and the request counts' names).</summary>
    internal static IEnumerable<(FuseOpcode Opcode, string Name, int MinimumInput, bool Replies)> Operations =>
        Enumerable.Range(0, s_operations.Length)
            .Where(i => !ReferenceEquals(s_operations[i].Name, s_unknown.Name))
            .Select(i => ((FuseOpcode)i, s_operations[i].Name, s_operations[i].MinimumInput, s_operations[i].Replies));

    private static ref readonly Operation OperationOf(uint opcode) =>
        ref opcode < (uint)s_operations.Length ? ref s_operations[opcode] : ref s_unknown;

    private static int Slot(uint opcode) => opcode <= MaxOpcode ? (int)opcode : MaxOpcode + 1;

    private static Operation[] BuildTable()
    {
        int name = 1; // at least the NUL (an empty name goes to the filesystem, as before the table)
        var table = new Operation[MaxOpcode + 1];
        Array.Fill(table, s_unknown);

        void Add(FuseOpcode opcode, string label, int minimumInput, Handler handler, bool replies = true) =>
            table[(int)opcode] = new Operation(label, minimumInput, replies, handler);

        Add(FuseOpcode.Lookup, "LOOKUP", name, Lookup);
        Add(FuseOpcode.Forget, "FORGET", Unsafe.SizeOf<FuseForgetIn>(), Forget, replies: false);
        Add(FuseOpcode.Getattr, "GETATTR", Unsafe.SizeOf<FuseGetattrIn>(), Getattr);
        Add(FuseOpcode.Setattr, "SETATTR", 0, Mutation);
        Add(FuseOpcode.Readlink, "READLINK", 0, Readlink);
        Add(FuseOpcode.Symlink, "SYMLINK", 0, Mutation);
        Add(FuseOpcode.Mknod, "MKNOD", 0, Mutation);
        Add(FuseOpcode.Mkdir, "MKDIR", 0, Mutation);
        Add(FuseOpcode.Unlink, "UNLINK", 0, Mutation);
        Add(FuseOpcode.Rmdir, "RMDIR", 0, Mutation);
        Add(FuseOpcode.Rename, "RENAME", 0, Mutation);
        Add(FuseOpcode.Link, "LINK", 0, Mutation);
        Add(FuseOpcode.Open, "OPEN", Unsafe.SizeOf<FuseOpenIn>(), Open);
        Add(FuseOpcode.Read, "READ", Unsafe.SizeOf<FuseReadIn>(), Read);
        Add(FuseOpcode.Write, "WRITE", 0, Mutation);
        Add(FuseOpcode.Statfs, "STATFS", 0, Statfs);
        Add(FuseOpcode.Release, "RELEASE", Unsafe.SizeOf<FuseReleaseIn>(), Release);
        Add(FuseOpcode.Fsync, "FSYNC", 0, NotImplemented);
        Add(FuseOpcode.Setxattr, "SETXATTR", 0, Mutation);
        Add(FuseOpcode.Getxattr, "GETXATTR", Unsafe.SizeOf<FuseGetxattrIn>() + name, Getxattr);
        Add(FuseOpcode.Listxattr, "LISTXATTR", Unsafe.SizeOf<FuseGetxattrIn>(), Listxattr);
        Add(FuseOpcode.Removexattr, "REMOVEXATTR", 0, Mutation);
        Add(FuseOpcode.Flush, "FLUSH", Unsafe.SizeOf<FuseFlushIn>(), Flush);
        Add(FuseOpcode.Init, "INIT", 8, Init); // major and minor: an older major is answered with ours
        Add(FuseOpcode.Opendir, "OPENDIR", Unsafe.SizeOf<FuseOpenIn>(), Open);
        Add(FuseOpcode.Readdir, "READDIR", Unsafe.SizeOf<FuseReadIn>(), Readdir);
        Add(FuseOpcode.Releasedir, "RELEASEDIR", Unsafe.SizeOf<FuseReleaseIn>(), Release);
        Add(FuseOpcode.Fsyncdir, "FSYNCDIR", 0, NotImplemented);
        Add(FuseOpcode.Getlk, "GETLK", 0, NotImplemented);
        Add(FuseOpcode.Setlk, "SETLK", 0, NotImplemented);
        Add(FuseOpcode.Setlkw, "SETLKW", 0, NotImplemented);
        Add(FuseOpcode.Access, "ACCESS", Unsafe.SizeOf<FuseAccessIn>(), Access);
        Add(FuseOpcode.Create, "CREATE", 0, Mutation);
        Add(FuseOpcode.Interrupt, "INTERRUPT", 0, Ignore, replies: false);
        Add(FuseOpcode.Bmap, "BMAP", 0, NotImplemented);
        Add(FuseOpcode.Destroy, "DESTROY", 0, Destroy);
        Add(FuseOpcode.Ioctl, "IOCTL", 0, NotImplemented);
        Add(FuseOpcode.Poll, "POLL", 0, NotImplemented);
        Add(FuseOpcode.NotifyReply, "NOTIFY_REPLY", 0, Ignore, replies: false);
        Add(FuseOpcode.BatchForget, "BATCH_FORGET", Unsafe.SizeOf<FuseBatchForgetIn>(), BatchForget, replies: false);
        Add(FuseOpcode.Fallocate, "FALLOCATE", 0, Mutation);
        Add(FuseOpcode.Readdirplus, "READDIRPLUS", Unsafe.SizeOf<FuseReadIn>(), Readdir);
        Add(FuseOpcode.Rename2, "RENAME2", 0, Mutation);
        Add(FuseOpcode.Lseek, "LSEEK", 0, NotImplemented);
        Add(FuseOpcode.CopyFileRange, "COPY_FILE_RANGE", 0, Mutation);
        Add(FuseOpcode.Setupmapping, "SETUPMAPPING", 0, NotImplemented);
        Add(FuseOpcode.Removemapping, "REMOVEMAPPING", 0, NotImplemented);
        Add(FuseOpcode.Syncfs, "SYNCFS", 0, NotImplemented);
        Add(FuseOpcode.Tmpfile, "TMPFILE", 0, Mutation);
        Add(FuseOpcode.Statx, "STATX", 0, NotImplemented);
        return table;
    }

    /// <summary>"LOOKUP 12, GETATTR 3, ..." for the opcodes that came at all (the session's last debug line).</summary>
    internal static string DescribeRequestCounts(long[] counts)
    {
        var parts = new List<string>();
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                string label = i <= MaxOpcode ? s_operations[i].Name : "beyond the table";
                if (ReferenceEquals(label, s_unknown.Name))
                {
                    label = $"opcode {i}";
                }
                parts.Add(FormattableString.Invariant($"{label} {counts[i]}"));
            }
        }
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}
