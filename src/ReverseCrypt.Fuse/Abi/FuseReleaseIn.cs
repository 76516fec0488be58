using System.Runtime.InteropServices;

namespace ReverseCrypt.Fuse.Abi;

/// <summary><c>struct fuse_release_in</c> (24 bytes), for RELEASE and RELEASEDIR.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseReleaseIn
{
    public ulong Fh;
    public uint Flags;
    public uint ReleaseFlags;
    public ulong LockOwner;
}
