using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Device family, for <c>/dev/fuse</c>: open, read, write, writev, poll. Each returns the raw syscall result
/// (-1 on failure, then read <see cref="LastErrno"/>); nothing is retried here.
/// </summary>
public static partial class Libc
{
    /// <summary>One element of a scatter/gather list (<c>struct iovec</c>, 16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Iovec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct pollfd</c> (8 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>poll(2) event bits.</summary>
    public const short POLLIN = 0x1, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;

    /// <summary>open(2) with a path string (UTF-8). Returns the fd or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, OpenFlags flags, uint mode);

    /// <summary>read(2). Returns the byte count (one whole request on /dev/fuse), 0 at end of stream, or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    /// <summary>write(2). Returns the byte count written or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    /// <summary>writev(2): one message from several buffers. Returns the byte count written or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "writev", SetLastError = true)]
    public static unsafe partial nint Writev(int fd, Iovec* iov, int iovcnt);

    /// <summary>poll(2). Returns the number of ready descriptors, 0 on timeout, or -1.</summary>
    [LibraryImport(LibName, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint nfds, int timeoutMilliseconds);
}
