using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Socket family: socketpair and recvmsg with SCM_RIGHTS (the fd passing used by fusermount3). x86-64 layouts:
/// msghdr 56 bytes, cmsghdr 16 bytes. Each returns the raw result (-1 on failure).
/// </summary>
public static partial class Libc
{
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SCM_RIGHTS = 1;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;

    /// <summary><c>struct msghdr</c> (56 bytes on x86-64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Msghdr
    {
        public void* Name;
        public uint NameLen;
        public Iovec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    /// <summary><c>struct cmsghdr</c> (16 bytes on x86-64), followed by the data aligned to 8 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Cmsghdr
    {
        public nuint Len;
        public int Level;
        public int Type;
    }

    /// <summary>socketpair(2): fills <paramref name="fds"/>[0..2]. Returns 0 or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "socketpair", SetLastError = true)]
    public static unsafe partial int Socketpair(int domain, int type, int protocol, int* fds);

    /// <summary>recvmsg(2). Returns the byte count, 0 when the peer closed, or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "recvmsg", SetLastError = true)]
    public static unsafe partial nint Recvmsg(int fd, Msghdr* message, int flags);

    /// <summary>
    /// Receives one file descriptor sent with SCM_RIGHTS (with MSG_CMSG_CLOEXEC), retried on EINTR. Returns the fd,
    /// or -1 with <paramref name="errno"/> = OK when the peer closed without sending one, or the error.
    /// </summary>
    public static unsafe int ReceiveFd(int socketFd, out Errno errno)
    {
        byte data = 0;
        // CMSG_SPACE(sizeof(int)) = 16 + 8 = 24 bytes on x86-64; ulong keeps it 8-aligned.
        ulong* control = stackalloc ulong[3];
        new Span<byte>(control, 24).Clear();
        Iovec iov = new() { Base = &data, Length = 1 };
        Msghdr message = new() { Iov = &iov, IovLen = 1, Control = control, ControlLen = 24 };
        nint n = RetryOnEintr(socketFd, (nint)(&message), static (s, m) => Recvmsg(s, (Msghdr*)m, MSG_CMSG_CLOEXEC),
            out errno);
        if (n < 0)
        {
            return -1;
        }
        if (n == 0 || message.ControlLen < (nuint)sizeof(Cmsghdr) + sizeof(int))
        {
            return -1;
        }
        Cmsghdr* header = (Cmsghdr*)control;
        if (header->Level != SOL_SOCKET || header->Type != SCM_RIGHTS)
        {
            return -1;
        }
        return *(int*)((byte*)control + sizeof(Cmsghdr));
    }
}
