using ReverseCrypt.Format.Content;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// The state of a regular plaintext file as an attribute reply told it to the kernel: its plaintext size and a
/// 64-bit digest of its mtime and ctime (seconds and nanoseconds) and its inode number (a different inode under the
/// same name is another file, e.g. one saved by rename). OPEN pins the size the kernel was last told, and OPEN and
/// RELEASE compare the file with it to find files that changed while they were served.
/// </summary>
internal readonly record struct ReportedState(long Size, ulong Stamp, ulong Identity)
{
    /// <summary>The state an attribute reply of the view carries (the size is the cipher size: mapped back), with the
    /// birth stamp of the file it was made from (<see cref="BirthOf"/>).</summary>
    public static ReportedState FromAttr(in FuseAttr attr, ulong birth) =>
        new(ContentLayout.CipherToPlainSize((long)attr.Size), StampOf(attr.Mtime, attr.MtimeNsec, attr.Ctime, attr.CtimeNsec), IdentityOf(attr.Ino, birth));

    /// <summary>The state of a plaintext file as statx saw it, with the inode number the view shows for it.</summary>
    public static ReportedState FromStatx(in Libc.StatxBuffer st, ulong viewIno) =>
        new((long)st.Size, StampOf(st.Mtime.Sec, st.Mtime.Nsec, st.Ctime.Sec, st.Ctime.Nsec), IdentityOf(viewIno, BirthOf(st)));

    /// <summary>The state of a regular file of the view with the given attributes, or null for anything else (only
    /// the content of regular files is pinned and watched).</summary>
    public static ReportedState? Of(ReverseNodeKind kind, in FuseAttr attr, ulong birth) =>
        kind == ReverseNodeKind.Real && (attr.Mode & FuseConstants.S_IFMT) == FuseConstants.S_IFREG ? FromAttr(attr, birth) : null;

    /// <summary>The file's birth time as one number, or 0 where the file system has none: with the inode number it
    /// tells a new file that reuses a freed inode number (a file saved by rename, again and again) from the old one.</summary>
    public static ulong BirthOf(in Libc.StatxBuffer st) =>
        (st.Mask & Libc.STATX_BTIME) != 0 ? StampOf(st.Btime.Sec, st.Btime.Nsec, 0, 0) : 0;

    private static ulong IdentityOf(ulong ino, ulong birth) => ino ^ (birth * 0x9e3779b97f4a7c15UL);

    private static ulong StampOf(long mtimeSec, uint mtimeNsec, long ctimeSec, uint ctimeNsec)
    {
        ulong h = Mix((ulong)mtimeSec);
        h = Mix(h ^ mtimeNsec);
        h = Mix(h ^ (ulong)ctimeSec);
        return Mix(h ^ ctimeNsec);

        // splitmix64's finaliser.
        static ulong Mix(ulong x)
        {
            x += 0x9e3779b97f4a7c15UL;
            x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
            x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
            return x ^ (x >> 31);
        }
    }
}
