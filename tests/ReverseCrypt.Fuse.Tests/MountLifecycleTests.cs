using ReverseCrypt.Fuse.Tests.Support;

namespace ReverseCrypt.Fuse.Tests;

/// <summary>Mount returns after INIT; unmount from inside and outside ends the session; busy is reported.</summary>
[Category("Mount")]
[NonParallelizable]
public class MountLifecycleTests
{
    [Test]
    public void Mount_ReturnsAfterInit_FirstAccessWorks()
    {
        using var mounted = new MountedTestFileSystem();
        Assert.That(mounted.Mount.Session.Initialized.IsCompletedSuccessfully, Is.True);
        Assert.That(mounted.FileSystem.Connection, Is.Not.Null, "Init hook ran before Mount returned");
        Assert.That(mounted.Mount.Connection.MaxPages, Is.EqualTo((ushort)256));
        Assert.That(mounted.Mount.Connection.ReaddirplusEnabled, Is.True);
        Assert.That(File.ReadAllBytes(mounted.Path("hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
    }

    [Test]
    public void Unmount_EndsSession_CallsDestroy()
    {
        using var mounted = new MountedTestFileSystem();
        mounted.Mount.Unmount();

        Assert.That(mounted.Mount.Completion.IsCompleted, Is.True);
        Assert.That(mounted.FileSystem.Destroyed, Is.True);
        Assert.That(Tool.IsMounted(mounted.Mountpoint), Is.False);
    }

    [TestCase("umount")]
    [TestCase("fusermount3")]
    public void ExternalUnmount_EndsSessionCleanly(string tool)
    {
        using var mounted = new MountedTestFileSystem();
        if (tool == "umount")
        {
            Tool.Ok("umount", mounted.Mountpoint);
        }
        else
        {
            Tool.Ok("fusermount3", "-u", mounted.Mountpoint);
        }

        Assert.That(mounted.Mount.Completion.Wait(TimeSpan.FromSeconds(10)), Is.True, "session ended");
        Assert.That(mounted.FileSystem.Destroyed, Is.True);
        Assert.That(mounted.Log.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error), Is.Empty);
    }

    [Test]
    public void Unmount_Busy_ReportedAndStillServed_ThenSucceeds()
    {
        using var mounted = new MountedTestFileSystem();
        using (var open = new FileStream(mounted.Path("hello.txt"), FileMode.Open, FileAccess.Read))
        {
            var error = Assert.Throws<FuseMountException>(() => mounted.Mount.Unmount());
            Assert.That(error!.Kind, Is.EqualTo(FuseMountErrorKind.Busy));
            Assert.That(error.Message, Does.Contain("busy").And.Contain("umount -l"));
            Assert.That(File.ReadAllBytes(mounted.Path("dir/nested.txt")), Is.EqualTo(TestFileSystem.NestedContent), "still served");
        }

        mounted.Mount.Unmount();
        Assert.That(Tool.IsMounted(mounted.Mountpoint), Is.False);
    }

    [Test]
    public void StaticUnmount_BusyThenLazy()
    {
        using var mounted = new MountedTestFileSystem();
        using var open = new FileStream(mounted.Path("hello.txt"), FileMode.Open, FileAccess.Read);

        Assert.That(() => FuseMount.Unmount(mounted.Mountpoint),
            Throws.TypeOf<FuseMountException>().With.Property(nameof(FuseMountException.Kind)).EqualTo(FuseMountErrorKind.Busy));
        FuseMount.Unmount(mounted.Mountpoint, lazy: true);

        Assert.That(Tool.IsMounted(mounted.Mountpoint), Is.False, "detached");
        Assert.That(mounted.Mount.Completion.IsCompleted, Is.False, "served until the last file is closed");
        open.Dispose();
        Assert.That(mounted.Mount.Completion.Wait(TimeSpan.FromSeconds(10)), Is.True);
    }

    [Test]
    public void Fusermount_AsRoot_MountsAndUnmounts()
    {
        using var mounted = new MountedTestFileSystem(new FuseMountOptions { Subtype = "testfs", UseFusermount = true });
        Assert.That(File.ReadAllBytes(mounted.Path("hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
        Assert.That(Mounting.MountTable.Find(mounted.Mountpoint)!.FilesystemType, Is.EqualTo("fuse.testfs"));

        mounted.Mount.Unmount();
        Assert.That(mounted.Mount.Completion.IsCompleted, Is.True);
    }

    [Test]
    public void MountAgain_AfterUnmount_Works()
    {
        using var directory = new TempDirectory();
        MountRequirements.Require();
        string mountpoint = directory.Sub("mnt");
        for (int i = 0; i < 3; i++)
        {
            using FuseMount mount = FuseMount.Mount(new TestFileSystem(), mountpoint, MountedTestFileSystem.DefaultOptions);
            Assert.That(File.ReadAllBytes(Path.Combine(mountpoint, "hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
        }
        Assert.That(Tool.IsMounted(mountpoint), Is.False, "Dispose unmounted");
    }

    [Test]
    public void RunUntilUnmounted_ReturnsOnExternalUnmount()
    {
        using var mounted = new MountedTestFileSystem();
        var run = Task.Run(() => mounted.Mount.RunUntilUnmounted(handleSignals: false, notifyReady: false));
        // Served while RunUntilUnmounted runs: a request answered through the mount, then the call still running.
        Assert.That(File.ReadAllBytes(mounted.Path("hello.txt")), Is.EqualTo(TestFileSystem.HelloContent));
        Assert.That(run.IsCompleted, Is.False, "blocks while mounted");

        Tool.Ok("umount", mounted.Mountpoint);
        Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
    }

    [Test]
    public void RunUntilUnmounted_Cancellation_Unmounts()
    {
        using var mounted = new MountedTestFileSystem();
        using var cancel = new CancellationTokenSource();
        var run = Task.Run(() => mounted.Mount.RunUntilUnmounted(handleSignals: false, notifyReady: false, cancel.Token));
        cancel.Cancel();
        Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(Tool.IsMounted(mounted.Mountpoint), Is.False);
    }

    [Test]
    public void DirectIo_OneMegabyteRequests()
    {
        using var mounted = new MountedTestFileSystem();
        long before = mounted.FileSystem.DirectReadCount;
        Tool.Ok("dd", $"if={mounted.Path("direct.bin")}", "of=/dev/null", "bs=1M", "count=8");
        long reads = mounted.FileSystem.DirectReadCount - before;
        // 8 READs of 1 MiB reach the filesystem (128 KiB requests would need 64).
        Assert.That(reads, Is.EqualTo(8), $"{reads} READs of direct.bin");
    }

    [Test]
    public void Options_AllowOtherAndDefaultPermissions_InMountOptions()
    {
        using var mounted = new MountedTestFileSystem(new FuseMountOptions
        {
            Subtype = "testfs",
            AllowOther = true,
            DefaultPermissions = true,
        });
        string line = File.ReadAllLines("/proc/self/mountinfo").Single(l => l.Split(' ')[4] == mounted.Mountpoint);
        string superOptions = line.Split(" - ")[1].Split(' ')[2];

        Assert.That(superOptions.Split(','), Does.Contain("allow_other").And.Contain("default_permissions"));
        Assert.That(line.Split(' ')[5].Split(','), Does.Contain("ro").And.Contain("nosuid").And.Contain("nodev"));
    }
}
