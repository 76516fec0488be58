using ReverseCrypt.Fuse.Tests.Support;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>
/// The constants src/ReverseCrypt.Interop hard-codes (open and *at flags, statx masks, xattr, mount, socket, poll,
/// io_uring and mmap values, syscall numbers, errno values, dirent64 offsets) equal what the installed C headers
/// define, as printed by <c>native/</c>. The struct layouts are checked in <see cref="AbiSizeTests"/>.
/// </summary>
public class InteropAbiTests
{
    [Test]
    public void EveryCStyleConstant_MatchesC()
    {
        var abi = NativeAbi.Instance;
        var constants = NativeAbi.CStyleConstants(typeof(Libc)).ToList();
        Assert.That(constants, Has.Count.GreaterThan(70), "the reflection finds Libc's constants");
        Assert.Multiple(() =>
        {
            foreach (var (name, value) in constants)
            {
                if (abi.Absent.Contains(name))
                {
                    Assert.That(AbiSizeTests.s_knownHeaderGaps, Does.Contain(name));
                    continue; // newer than the installed headers: reported by HeaderGaps_AreOnlyTheKnownNewerParts
                }
                Assert.That(abi.Has(name), Is.True, $"native/ does not print {name}: add it there");
                if (abi.Has(name))
                {
                    Assert.That(value, Is.EqualTo(abi[name]), name);
                }
            }
        });
    }

    [Test]
    public void OpenFlags_MatchC()
    {
        var abi = NativeAbi.Instance;
        Assert.Multiple(() =>
        {
            foreach (Libc.OpenFlags flag in Enum.GetValues<Libc.OpenFlags>())
            {
                Assert.That(NativeAbi.Number(flag), Is.EqualTo(abi[flag.ToString()]), flag.ToString());
            }
        });
    }

    [Test]
    public void Errno_MatchesC()
    {
        var abi = NativeAbi.Instance;
        Assert.Multiple(() =>
        {
            foreach (Errno errno in Enum.GetValues<Errno>().Where(e => e != Errno.OK))
            {
                Assert.That((decimal)(int)errno, Is.EqualTo(abi[errno.ToString()]), errno.ToString());
            }
        });
    }

    [Test]
    public void Limits_MatchC()
    {
        var abi = NativeAbi.Instance;
        Assert.Multiple(() =>
        {
            Assert.That(Libc.NameMax, Is.EqualTo(abi["NAME_MAX"]));
            Assert.That(Libc.PathMax, Is.EqualTo(abi["PATH_MAX"]));
            Assert.That(Libc.XattrNameMax, Is.EqualTo(abi["XATTR_NAME_MAX"]));
            Assert.That(Libc.XattrSizeMax, Is.EqualTo(abi["XATTR_SIZE_MAX"]));
            Assert.That(FuseConstants.MaxXattrSize, Is.EqualTo(abi["XATTR_SIZE_MAX"]));
            Assert.That(FuseConstants.MaxSymlinkLength, Is.EqualTo(abi["PATH_MAX"]));
        });
    }

    [Test]
    public void Dirent64Offsets_MatchC()
    {
        var abi = NativeAbi.Instance;
        Assert.Multiple(() =>
        {
            Assert.That(NativeAbi.Constant(typeof(Libc), "DirentReclenOffset"), Is.EqualTo(abi["offsetof.dirent64.d_reclen"]));
            Assert.That(NativeAbi.Constant(typeof(Libc), "DirentTypeOffset"), Is.EqualTo(abi["offsetof.dirent64.d_type"]));
            Assert.That(NativeAbi.Constant(typeof(Libc), "DirentNameOffset"), Is.EqualTo(abi["offsetof.dirent64.d_name"]));
            Assert.That(abi["fieldsize.dirent64.d_reclen"], Is.EqualTo(sizeof(ushort)), "read as a little-endian u16");
        });
    }
}
