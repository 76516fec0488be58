using System.Runtime.InteropServices;

namespace ReverseCrypt.Interop;

/// <summary>
/// Thin [LibraryImport] bindings to Linux libc, one partial file per syscall family
/// (Libc.Files.cs, Libc.Mount.cs, ...). Methods keep the syscall's name and return its raw result;
/// callers read the error with <see cref="LastErrno"/>. Linux x86-64 only: no shim, raw Linux values.
/// </summary>
public static partial class Libc
{
    internal const string LibName = "libc";

    /// <summary>The errno of the last failed call made with SetLastError = true.</summary>
    public static Errno LastErrno => (Errno)Marshal.GetLastPInvokeError();

    /// <summary>close(2). Never retried, even on EINTR (the fd is gone either way on Linux).</summary>
    [LibraryImport(LibName, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>strerror-like text for an errno value, for messages.</summary>
    public static string Describe(Errno errno) => $"{errno} ({Marshal.GetPInvokeErrorMessage((int)errno)})";
}
