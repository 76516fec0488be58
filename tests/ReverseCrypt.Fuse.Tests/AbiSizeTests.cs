using System.Runtime.InteropServices;
using ReverseCrypt.Fuse.Abi;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>Every mirrored struct has the size (and the key offsets) of its C counterpart in linux/fuse.h 7.38,
/// as printed by sizeof/offsetof from a C program compiled against /usr/include/linux/fuse.h on x86-64.</summary>
public class AbiSizeTests
{
    private static readonly (Type Type, int Size)[] s_sizes =
    [
        (typeof(FuseAttr), 88),
        (typeof(FuseEntry), 128),
        (typeof(FuseStatfs), 80),
        (typeof(FuseInHeader), 40),
        (typeof(FuseOutHeader), 16),
        (typeof(FuseInitIn), 64),
        (typeof(FuseInitOut), 64),
        (typeof(FuseAttrOut), 104),
        (typeof(FuseGetattrIn), 16),
        (typeof(FuseOpenIn), 8),
        (typeof(FuseOpenOut), 16),
        (typeof(FuseReadIn), 40),
        (typeof(FuseReleaseIn), 24),
        (typeof(FuseFlushIn), 24),
        (typeof(FuseForgetIn), 8),
        (typeof(FuseBatchForgetIn), 8),
        (typeof(FuseForgetOne), 16),
        (typeof(FuseGetxattrIn), 8),
        (typeof(FuseGetxattrOut), 8),
        (typeof(FuseAccessIn), 8),
        (typeof(FuseInterruptIn), 8),
        (typeof(FuseDirent), 24),
        (typeof(Interop.Libc.Iovec), 16),
        (typeof(Interop.Libc.Msghdr), 56),
        (typeof(Interop.Libc.Cmsghdr), 16),
        (typeof(Interop.Libc.PollFd), 8),
    ];

    private static IEnumerable<TestCaseData> Sizes() =>
        s_sizes.Select(s => new TestCaseData(s.Type, s.Size).SetName($"SizeOf_{s.Type.Name}_{s.Size}"));

    [TestCaseSource(nameof(Sizes))]
    public void SizeOf_MatchesKernelHeader(Type type, int size)
    {
        int managed = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
        Assert.That(managed, Is.EqualTo(size));
        Assert.That(Marshal.SizeOf(type), Is.EqualTo(size), "marshalled size");
    }

    [Test]
    public void Offsets_MatchKernelHeader()
    {
        Assert.That((int)Marshal.OffsetOf<FuseEntry>(nameof(FuseEntry.Attr)), Is.EqualTo(40));
        Assert.That((int)Marshal.OffsetOf<FuseAttr>(nameof(FuseAttr.Mode)), Is.EqualTo(60));
        Assert.That((int)Marshal.OffsetOf<FuseInitOut>(nameof(FuseInitOut.MaxPages)), Is.EqualTo(28));
        Assert.That((int)Marshal.OffsetOf<FuseInitOut>(nameof(FuseInitOut.Flags2)), Is.EqualTo(32));
        Assert.That((int)Marshal.OffsetOf<FuseInHeader>(nameof(FuseInHeader.TotalExtlen)), Is.EqualTo(36));
        Assert.That((int)Marshal.OffsetOf<FuseAttrOut>(nameof(FuseAttrOut.Attr)), Is.EqualTo(16));
    }

    [Test]
    public void Direntplus_IsEntryThenDirent()
    {
        // sizeof(struct fuse_direntplus) = 152 = entry_out + FUSE_NAME_OFFSET; a 1-byte name pads to 160.
        Assert.That(Unsafe.SizeOf<FuseEntry>() + FuseAbi.DirentNameOffset, Is.EqualTo(152));
        Assert.That(FuseDirectoryWriter.EntrySize(1, plus: true), Is.EqualTo(160));
        Assert.That(FuseDirectoryWriter.EntrySize(8, plus: false), Is.EqualTo(32));
        Assert.That(FuseDirectoryWriter.EntrySize(9, plus: false), Is.EqualTo(40));
    }
}
