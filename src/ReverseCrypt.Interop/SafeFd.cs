using Microsoft.Win32.SafeHandles;

namespace ReverseCrypt.Interop;

/// <summary>An owned file descriptor, closed exactly once (close is never retried).</summary>
public sealed class SafeFd : SafeHandleMinusOneIsInvalid
{
    public SafeFd() : base(ownsHandle: true) { }

    public SafeFd(int fd, bool ownsHandle = true) : base(ownsHandle) => SetHandle(fd);

    /// <summary>The raw descriptor number; valid only while this handle is alive.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
