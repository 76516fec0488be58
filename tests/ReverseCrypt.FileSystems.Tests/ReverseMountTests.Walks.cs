using System.Diagnostics;

namespace ReverseCrypt.FileSystems.Tests;

/// <summary>
/// What makes walks fast: listings prepared ahead of a walk (ReverseFileSystem.Prefetch.cs), which a walk in listing
/// or sorted order takes over while seeing what gocryptfs shows; one older than a second is not used, so files created
/// meanwhile show; no attribute caching (timeout 0) means nothing is prepared. Directories ask for large listings.
/// </summary>
public partial class ReverseMountTests
{
    private void MakeDirectories(int count, int filesEach)
    {
        for (int d = 0; d < count; d++)
        {
            string dir = Directory.CreateDirectory(Path.Combine(_plain, $"dir{d:D2}")).FullName;
            for (int f = 0; f < filesEach; f++)
            {
                File.WriteAllBytes(Path.Combine(dir, $"file{f:D3}"), new byte[f * 7 % 300]);
            }
        }
    }

    private static string[] FindListing(string top)
    {
        var find = Run.Program("find", [top, "-printf", "%P %s %m %y\\n"]);
        Assert.That(find.ExitCode, Is.Zero, find.ToString());
        var lines = find.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Array.Sort(lines, StringComparer.Ordinal);
        return lines;
    }

    [Test]
    public void Walk_InListingOrder_TakesTheListingsPreparedAhead_AndShowsWhatGocryptfsShows()
    {
        MakeDirectories(12, 30);
        string nested = Directory.CreateDirectory(Path.Combine(_plain, "dir03", "nested")).FullName;
        for (int f = 0; f < 5; f++)
        {
            File.WriteAllText(Path.Combine(nested, $"n{f}"), new string('x', f));
        }
        var ours = MountOurs();
        string theirsPoint = _dir.Sub("theirs");
        Keep(new GocryptfsMount(["-reverse", "-passfile", _passfile], _plain, theirsPoint));
        var fs = ours.FileSystem;

        // A walk in listing order, timed by the test: a listing is prepared during the OPENDIR before (the top's read
        // for the first), and used when it is younger than a second. The test's clock starts before that OPENDIR and
        // stops after this one, so every directory it saw opened within the second must have been taken over; on a
        // loaded machine fewer qualify, never a wrong one (no fixed share that a slow machine could miss).
        long previousStart = Stopwatch.GetTimestamp();
        var top = Directory.GetDirectories(ours.MountPoint);
        Assert.That(top, Has.Length.EqualTo(12));
        long mustBeTaken = 0;
        foreach (var dir in top)
        {
            long start = Stopwatch.GetTimestamp();
            Assert.That(Directory.GetFileSystemEntries(dir), Is.Not.Empty);
            if (Stopwatch.GetElapsedTime(previousStart) < TimeSpan.FromSeconds(1))
            {
                mustBeTaken++;
            }
            previousStart = start;
        }
        long taken = fs.ListingsAdopted;
        TestContext.Out.WriteLine($"listings prepared ahead: {fs.ListingsPrefetched}, taken over: {taken}, too old when opened: {fs.ListingsTooOld}, opened within a second of their preparation: {mustBeTaken}");
        Assert.That(taken + fs.ListingsTooOld, Is.EqualTo(12), "each directory of the walk had its listing prepared ahead");
        Assert.That(taken, Is.GreaterThanOrEqualTo(mustBeTaken), "a listing prepared less than a second before was not used");
        Assert.That(taken, Is.LessThanOrEqualTo(12));

        // And what that walk (and find's) shows is what gocryptfs shows.
        var mine = FindListing(ours.MountPoint);
        var theirs = FindListing(theirsPoint);
        Assert.That(mine, Is.EqualTo(theirs));
        Assert.That(mine, Has.Length.EqualTo(1 + 12 * (1 + 30 + 1) + (1 + 5 + 1) + 1 + 1),
            "the top, each directory with its files and diriv, the top's diriv and gocryptfs.conf");
    }

    [Test]
    public void Rsync_WalkingInSortedOrder_TakesTheListingsPreparedAhead()
    {
        MakeDirectories(12, 30);
        var ours = MountOurs();
        string copy = _dir.Sub("copy");

        var rsync = Run.Program("rsync", ["-aHAX", "--modify-window=-1", ours.MountPoint + "/", copy + "/"]);

        Assert.That(rsync.ExitCode, Is.Zero, rsync.ToString());
        var fs = ours.FileSystem;
        TestContext.Out.WriteLine($"listings prepared ahead: {fs.ListingsPrefetched}, taken over: {fs.ListingsAdopted}, too old when opened: {fs.ListingsTooOld}");
        // rsync opens the directories sorted by (encrypted) name: after the first, each one was prepared ahead. A
        // prepared listing is either taken over or, when rsync took longer than a second to reach it, found too old
        // (the timing rule is tested on its own with the test's clock). The first directory is prepared ahead too when
        // the preparation that the root's listing starts finishes before rsync opens it: a race the product does not
        // decide (seen both ways in CI), so 11 or 12, never fewer.
        Assert.That(fs.ListingsAdopted + fs.ListingsTooOld, Is.InRange(11, 12), "each directory after the first was prepared ahead");
        Assert.That(FindListing(copy), Is.EqualTo(FindListing(ours.MountPoint)), "names, sizes, modes and types");
    }

    [Test]
    public void ListingPreparedAhead_IsNotUsedWhenOlderThanASecond_SoNewFilesShow()
    {
        MakeDirectories(2, 3);
        var ours = MountOurs();
        var fs = ours.FileSystem;

        // Reading the top directory to its end prepares the first directory it listed; opening that one prepares the
        // second.
        var top = Directory.GetDirectories(ours.MountPoint);
        Assert.That(top, Has.Length.EqualTo(2));
        Assert.That(Directory.GetFiles(top[0]), Has.Length.EqualTo(3 + 1), "3 files and the diriv");
        Assert.That(fs.ListingsPrefetched, Is.EqualTo(2));
        long adopted = fs.ListingsAdopted;

        ulong secondIno = ReverseViewVectorTests.Stat(top[1]).Ino;
        string secondPlain = Directory.GetDirectories(_plain).Single(d => ReverseViewVectorTests.Stat(d).Ino == secondIno);
        File.WriteAllText(Path.Combine(secondPlain, "created-later"), "new");
        Thread.Sleep(TimeSpan.FromSeconds(1.3));

        Assert.That(Directory.GetFiles(top[1]), Has.Length.EqualTo(4 + 1), "the file created after the second was prepared");
        Assert.That(fs.ListingsAdopted, Is.EqualTo(adopted), "the stale prepared listing was dropped");
        Assert.That(fs.ListingsTooOld, Is.EqualTo(1), "and counted as too old");
    }

    [Test]
    public void WithoutAttributeCaching_NothingIsPreparedAhead()
    {
        MakeDirectories(5, 10);
        var ours = MountOurs(new ReverseOptions(_plain) { AttrTimeout = TimeSpan.Zero });

        var listing = FindListing(ours.MountPoint);

        Assert.That(listing, Has.Length.EqualTo(1 + 5 * (1 + 10 + 1) + 1 + 1));
        Assert.That(ours.FileSystem.ListingsPrefetched, Is.Zero);
    }

    [Test]
    public void Directories_ShowALargeBlockSize_SoThatListingsComeInFewRequests_FilesKeepTheirs()
    {
        MakeDirectories(1, 3);
        var ours = MountOurs();
        string dir = Directory.GetDirectories(ours.MountPoint).Single();
        string file = Directory.GetFiles(dir).First(f => !f.EndsWith("gocryptfs.diriv", StringComparison.Ordinal));
        string diriv = Path.Combine(dir, "gocryptfs.diriv");

        var stat = Run.Program("stat", ["-c", "%o", ours.MountPoint, dir, file, diriv,
            Path.Combine(_plain, "dir00", "file000"), Path.Combine(_plain, "dir00")]);

        Assert.That(stat.ExitCode, Is.Zero, stat.ToString());
        var sizes = stat.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(sizes[0], Is.EqualTo("262144"), "the root");
        Assert.That(sizes[1], Is.EqualTo("262144"), "a directory");
        Assert.That(sizes[2], Is.EqualTo(sizes[4]), "a file shows its plaintext's block size");
        Assert.That(sizes[3], Is.EqualTo(sizes[5]), "the diriv, a file, shows its directory's plaintext block size");
        Assert.That(sizes[5], Is.Not.EqualTo("262144"));
    }
}
